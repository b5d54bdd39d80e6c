from __future__ import annotations

import json
from functools import partial

import pytest
from django.test import Client

from guilde.accounts import member_rights
from guilde.accounts.tests.factories import MemberFactory
from guilde.communities.models import Tag
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import assert_constant_queries
from guilde.discussions import services
from guilde.discussions.models import Post, Thread


def _thread(community, author, **fields):
    return services.thread_create(
        actor=author,
        community=community,
        kind=fields.pop("kind", "discussion"),
        title=fields.pop("title", "A thread"),
        body=fields.pop("body", "Opening **text**"),
        **fields,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["discussion", "question"])
def test_a_thread_page_costs_the_same_with_1_and_200_posts(kind):
    community = CommunityFactory.create(slug="big")
    viewer = member_of(community)
    authors = [member_of(community) for _ in range(5)]
    thread = _thread(community, authors[0], kind=kind)
    client = Client()
    client.force_login(viewer)

    def setup(count: int) -> None:
        while thread.posts.count() < count:
            number = thread.posts.count()
            post = services.post_create(
                actor=authors[number % 5],
                thread=thread,
                body=f"Reply {number} to @{authors[0].username}",
                reply_to=Post.objects.filter(thread=thread).order_by("-position").first(),
            )
            services.reaction_toggle(actor=viewer, post=post, kind="heart")
            services.vote_set(actor=viewer, post=post, value=1)
            if number == 3 and kind == "question":
                services.answer_accept(actor=authors[0], thread=thread, post=post)
            author = authors[number % 5]
            if number % 7 == 0:
                services.post_edit(actor=author, post=post, body="Edited")
            if number % 11 == 0:
                services.post_delete(actor=author, post=post)

    url = f"/communities/big/threads/{thread.pk}/"
    assert_constant_queries(setup=setup, small=1, large=200, action=lambda: client.get(url))
    assert_constant_queries(
        setup=setup, small=1, large=200, action=lambda: client.get(url + "?page=3")
    )
    assert_constant_queries(
        setup=setup,
        small=1,
        large=200,
        action=lambda: client.get(f"/api/v1/threads/{thread.pk}/posts"),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "member"])
def test_the_thread_list_costs_the_same_with_1_and_50_threads(signed_in):
    community = CommunityFactory.create(slug="busy")
    Tag.objects.create(community=community, name="A", slug="a")
    Tag.objects.create(community=community, name="B", slug="b")
    viewer = member_of(community)
    client = Client()
    if signed_in:
        client.force_login(viewer)

    def setup(count: int) -> None:
        while Thread.objects.filter(community=community).count() < count:
            thread = _thread(community, member_of(community), kind="question", tags=["a", "b"])
            services.post_create(actor=viewer, thread=thread, body="Hello")

    for url in (
        "/communities/busy/threads/",
        "/communities/busy/threads/filter/unsolved/",
        "/api/v1/communities/busy/threads",
        "/",
    ):
        assert_constant_queries(setup=setup, small=1, large=50, action=partial(client.get, url))


@pytest.mark.django_db
def test_deletion_rules_on_every_surface():
    """Author deletion, moderator hiding and administrator purge, on each surface that exists."""
    community = CommunityFactory.create(slug="open", visibility="public")
    author, replier = member_of(community, username="author"), member_of(community)
    moderator = member_of(community, role="moderator")
    admin = MemberFactory.create(is_staff=True)
    kept = _thread(community, author, title="Kept thread", body="Opening text")
    deleted_reply = services.post_create(actor=replier, thread=kept, body="deleted-reply-text")
    hidden_reply = services.post_create(actor=replier, thread=kept, body="hidden-reply-text")
    purged_reply = services.post_create(actor=replier, thread=kept, body="purged-reply-text")
    lone = _thread(community, author, title="Lone thread deleted", body="lone-text")
    hidden_thread = _thread(community, author, title="Hidden thread", body="hidden-thread-text")

    services.post_delete(actor=replier, post=deleted_reply)
    services.post_hide(actor=moderator, post=hidden_reply)
    services.post_purge(actor=admin, post=purged_reply)
    services.post_delete(actor=author, post=lone.posts.get())
    services.post_hide(actor=moderator, post=hidden_thread.posts.get())

    anonymous, member = Client(), Client()
    member.force_login(member_of(community))
    as_moderator = Client()
    as_moderator.force_login(moderator)
    as_replier = Client()
    as_replier.force_login(replier)

    # The thread page: tombstones for the deleted and the hidden; the purged is gone.
    page = member.get(f"/communities/open/threads/{kept.pk}/").content.decode()
    assert "This post was deleted by its author." in page
    assert "deleted-reply-text" not in page
    assert "This post was hidden by a moderator." in page
    assert "hidden-reply-text" not in page
    assert "purged-reply-text" not in page
    # The hidden text stays visible to its author and to moderators, marked as hidden.
    assert (
        "hidden-reply-text"
        in as_replier.get(f"/communities/open/threads/{kept.pk}/").content.decode()
    )
    assert (
        "hidden-reply-text"
        in as_moderator.get(f"/communities/open/threads/{kept.pk}/").content.decode()
    )

    # Lists and counts: only what counts.
    listing = member.get("/communities/open/threads/").content.decode()
    assert "Kept thread" in listing
    assert "Lone thread deleted" not in listing
    assert "Hidden thread" not in listing
    kept.refresh_from_db()
    assert kept.reply_count == 0
    assert member.get(f"/communities/open/threads/{lone.pk}/").status_code == 404
    assert member.get(f"/communities/open/threads/{hidden_thread.pk}/").status_code == 404
    assert Client().get(f"/t/{hidden_thread.pk}/").status_code == 404

    # The API: the same rules.
    posts = member.get(f"/api/v1/threads/{kept.pk}/posts").json()["results"]
    assert [p["state"] for p in posts] == ["visible", "deleted", "hidden"]
    assert all(p["body"] is None for p in posts[1:])
    listed = {t["title"] for t in member.get("/api/v1/communities/open/threads").json()["results"]}
    assert listed == {"Kept thread"}
    assert member.get(f"/api/v1/threads/{hidden_thread.pk}").status_code == 404

    # Feeds: nothing deleted, hidden or purged.
    for feed in (
        anonymous.get("/communities/open/feed/"),
        anonymous.get(f"/communities/open/threads/{kept.pk}/feed/"),
    ):
        text = feed.content.decode()
        for secret in (
            "deleted-reply-text",
            "hidden-reply-text",
            "purged-reply-text",
            "lone-text",
            "hidden-thread-text",
        ):
            assert secret not in text
    assert anonymous.get(f"/communities/open/threads/{hidden_thread.pk}/feed/").status_code == 404

    # The author's own data export keeps their deleted post, marked as such.
    exported = json.loads(
        __import__("zipfile")
        .ZipFile(__import__("io").BytesIO(member_rights.export_archive(replier)))
        .read("posts.json")
    )
    assert {p["body"]: p["deleted_by_author"] for p in exported} == {
        "deleted-reply-text": True,
        "hidden-reply-text": False,
    }


@pytest.mark.django_db
def test_feeds_exist_only_for_public_communities():
    private = CommunityFactory.create(slug="closed", visibility="private", join_policy="approval")
    member = member_of(private)
    thread = _thread(private, member, title="Secret thread", body="secret")
    client = Client()
    client.force_login(member)  # even a member gets no feed: feeds are public by nature
    assert client.get("/communities/closed/feed/").status_code == 404
    assert client.get(f"/communities/closed/threads/{thread.pk}/feed/").status_code == 404
    public = CommunityFactory.create(slug="public")
    _thread(public, member_of(public), title="Open thread")
    feed = Client().get("/communities/public/feed/")
    assert feed.status_code == 200
    assert feed["Content-Type"].startswith("application/atom+xml")
    assert "Open thread" in feed.content.decode()


@pytest.mark.django_db
def test_composing_previewing_and_saving_drafts(client):
    community = CommunityFactory.create(slug="writers")
    Tag.objects.create(community=community, name="Style", slug="style")
    member = member_of(community, username="writer")
    client.force_login(member)
    preview = client.post(
        "/communities/writers/preview/", {"body": "**bold** @writer <script>x</script>"}
    )
    assert "<strong>bold</strong>" in preview.content.decode()
    assert 'href="/members/writer/"' in preview.content.decode()
    assert "<script>" not in preview.content.decode()
    client.post(
        "/communities/writers/draft/",
        {"title": "Draft title", "body": "Draft body", "kind": "question"},
    )
    form = client.get("/communities/writers/threads/new/").content.decode()
    assert "Draft title" in form
    assert "Draft body" in form
    created = client.post(
        "/communities/writers/threads/new/",
        {"kind": "question", "title": "How to write?", "body": "Tell me", "tags": ["style"]},
    )
    assert created.status_code == 302
    thread = Thread.objects.get(title="How to write?")
    assert list(thread.tags.values_list("slug", flat=True)) == ["style"]
    reply = client.post(f"/communities/writers/threads/{thread.pk}/reply/", {"body": "Like this"})
    assert reply.status_code == 302
    assert reply["Location"].endswith("#post-2")
    history = client.get(f"/communities/writers/posts/{thread.posts.get(position=2).pk}/history/")
    assert history.status_code == 200


@pytest.mark.django_db
def test_jump_to_the_first_unread_post(client):
    community = CommunityFactory.create(slug="long")
    reader = member_of(community)
    thread = _thread(community, member_of(community))
    for number in range(65):
        services.post_create(actor=member_of(community), thread=thread, body=f"Post {number}")
    thread.refresh_from_db()
    services.thread_mark_read(member=reader, thread=thread, position=55)
    client.force_login(reader)
    response = client.get(f"/communities/long/threads/{thread.pk}/?unread=1")
    assert response["Location"].endswith(f"/threads/{thread.pk}/?page=2#post-56")


def _posts_section(html: str) -> str:
    start = html.index('<ol class="posts">')
    return html[start : html.index("</ol>", start)]


@pytest.mark.django_db
def test_visitors_posts_come_from_the_fragment_cache_and_never_go_stale(monkeypatch):
    from guilde.discussions import fragments, page_cache

    community = CommunityFactory.create(slug="cached", visibility="public")
    author, fan = member_of(community), member_of(community)
    thread = _thread(community, author, kind="question", title="Q")
    answer = services.post_create(actor=author, thread=thread, body="A **bold** answer")
    services.reaction_toggle(actor=fan, post=answer, kind="heart")
    url = f"/communities/cached/threads/{thread.pk}/"
    cached_first = Client().get(url).content.decode()
    cached_again = Client().get(url).content.decode()
    monkeypatch.setattr(fragments, "attach", lambda *args, **kwargs: None)
    monkeypatch.setattr(page_cache, "key_for", lambda *args, **kwargs: None)
    inline = Client().get(url).content.decode()
    monkeypatch.undo()
    assert _posts_section(cached_first) == _posts_section(inline) == _posts_section(cached_again)
    # Every change shows at once: a vote, an edit, a hidden post.
    services.vote_set(actor=fan, post=answer, value=1)
    assert "1 vote" in _posts_section(Client().get(url).content.decode())
    services.post_edit(actor=author, post=answer, body="A changed answer")
    assert "A changed answer" in Client().get(url).content.decode()
    moderator = member_of(community, role="moderator")
    services.post_hide(actor=moderator, post=answer)
    page = Client().get(url).content.decode()
    assert "A changed answer" not in page
    assert "hidden by a moderator" in page
    # Members never get a visitor's fragment.
    client = Client()
    client.force_login(fan)
    assert "Vote up" in client.get(url).content.decode()


@pytest.mark.django_db
def test_reading_a_thread_writes_only_when_there_is_something_new(client):
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from guilde.discussions.models import ReadState

    community = CommunityFactory.create(slug="quiet")
    reader, author = member_of(community), member_of(community)
    thread = _thread(community, author)
    client.force_login(reader)
    url = f"/communities/quiet/threads/{thread.pk}/"

    def writes() -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return [q["sql"] for q in queries if re.match(r"\s*(INSERT|UPDATE|DELETE|BEGIN)", q["sql"])]

    assert writes()  # the first visit: where the reader is, remembered
    assert ReadState.objects.get(member=reader, thread=thread).last_read_position == 1
    assert writes() == []  # nothing new: nothing written (the write lock not taken)
    services.post_create(actor=author, thread=thread, body="Something new")
    assert writes()
    assert ReadState.objects.get(member=reader, thread=thread).last_read_position == 2


@pytest.mark.django_db
def test_every_form_of_a_page_carries_one_csrf_token():
    import re

    community = CommunityFactory.create(slug="forms")
    member, author = member_of(community), member_of(community)
    thread = _thread(community, author, kind="question", title="Q")
    for number in range(3):
        services.post_create(actor=author, thread=thread, body=f"Answer {number}")
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    html = client.get(f"/communities/forms/threads/{thread.pk}/").content.decode()
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert len(tokens) > 5  # the reply form, each post's votes and reactions, the bell…
    assert len(set(tokens)) == 1  # masked once for the request, not once per fragment
    # …and the token is good: a form of the page posts.
    reply = client.post(
        f"/communities/forms/threads/{thread.pk}/reply/",
        {"body": "Thanks", "csrfmiddlewaretoken": tokens[0]},
    )
    assert reply.status_code == 302
