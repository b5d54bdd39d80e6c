"""The visitors' page cache: served again only while nothing the page shows changed — the
database's triggers see every change, whoever makes it — with a fresh CSRF token each time."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from guilde.accounts.member_rights import account_delete
from guilde.communities.models import Tag
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.discussions import services
from guilde.discussions.models import Comment, Thread, ThreadLink
from guilde.knowledge import services as knowledge

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    community = CommunityFactory.create(slug="cafe", visibility="public")
    author = member_of(community, username="barista", display_name="Ana Barista")
    fan = member_of(community)
    moderator = member_of(community, role="moderator")
    thread = services.thread_create(
        actor=author, community=community, kind="question", title="Mouture ?", body="Fine ou pas ?"
    )
    answer = services.post_create(actor=author, thread=thread, body="Moyenne, pour un filtre.")
    return {
        "community": community,
        "author": author,
        "fan": fan,
        "moderator": moderator,
        "thread": thread,
        "answer": answer,
        "url": f"/communities/cafe/threads/{thread.pk}/",
    }


def _visit(url: str) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_a_visitors_second_look_comes_from_the_cache(world):
    first, first_queries = _visit(world["url"])
    again, again_queries = _visit(world["url"])
    assert again_queries <= 2 < first_queries
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert token.sub("", again) == token.sub("", first)


@pytest.mark.parametrize(
    ("change", "shown", "gone"),
    [
        (
            lambda w: services.reaction_toggle(actor=w["fan"], post=w["answer"], kind="heart"),
            "heart</span> 1",
            None,
        ),
        (
            lambda w: Comment.objects.create(
                post=w["answer"], author=w["fan"], body="Merci", body_html="<p>Merci-comment</p>"
            ),
            "Merci-comment",
            None,
        ),
        (
            lambda w: services.post_hide(actor=w["moderator"], post=w["answer"]),
            "hidden by a moderator",
            "Moyenne, pour un filtre.",
        ),
        (
            lambda w: services.post_edit(actor=w["author"], post=w["answer"], body="Grossière."),
            "Grossière.",
            "Moyenne, pour un filtre.",
        ),
        (
            lambda w: (
                type(w["author"])
                .objects.filter(pk=w["author"].pk)
                .update(display_name="Ana Torréfactrice")
            ),
            "Ana Torréfactrice",
            "Ana Barista",
        ),
        (
            lambda w: account_delete(
                actor=w["author"], member=w["author"], keep_contributions=True
            ),
            "Deleted member",
            "Ana Barista",
        ),
        (
            lambda w: w["thread"].tags.add(
                Tag.objects.create(community=w["community"], name="Espresso", slug="espresso")
            ),
            "Espresso",
            None,
        ),
        (
            lambda w: knowledge.article_create(
                actor=w["author"],
                community=w["community"],
                kind="guide",
                title="Guide-de-mouture",
                body="...",
                publish_now=True,
                source=knowledge.source_from_thread(viewer=w["author"], thread=w["thread"]),
            ),
            "Guide-de-mouture",
            None,
        ),
    ],
    ids=[
        "reaction",
        "comment",
        "hidden",
        "edit",
        "author-renamed",
        "author-deleted",
        "tag",
        "article",
    ],
)
def test_whatever_changes_what_the_page_shows_shows_at_once(world, change, shown, gone):
    before, _queries = _visit(world["url"])
    assert shown not in before
    change(world)
    after, queries = _visit(world["url"])
    assert queries > 2  # rendered again, not served from the cache
    assert shown in after
    if gone:
        assert gone not in after


def test_a_linked_threads_new_title_and_privacy_reach_the_linking_page(world):
    elsewhere = CommunityFactory.create(slug="ailleurs", visibility="public")
    other = services.thread_create(
        actor=member_of(elsewhere),
        community=elsewhere,
        kind="discussion",
        title="Torréfaction",
        body="x",
    )
    ThreadLink.objects.create(source=world["thread"], target=other, kind="related")
    assert "Torréfaction" in _visit(world["url"])[0]
    Thread.objects.filter(pk=other.pk).update(title="Torréfaction lente")
    assert "Torréfaction lente" in _visit(world["url"])[0]
    elsewhere.visibility = "private"
    elsewhere.save()
    assert "Torréfaction" not in _visit(world["url"])[0]


def test_each_visitor_gets_a_working_csrf_token_of_their_own(world):
    Client().get(world["url"])  # the page is cached now
    tokens = set()
    for _ in range(2):
        visitor = Client(enforce_csrf_checks=True)
        page = visitor.get(world["url"]).content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token is not None
        tokens.add(token.group(1))
        response = visitor.post(
            "/i18n/setlang/", {"language": "fr", "next": "/", "csrfmiddlewaretoken": token.group(1)}
        )
        assert response.status_code == 302
    assert len(tokens) == 2


def test_members_are_never_served_a_visitors_page(world):
    Client().get(world["url"])
    member = Client()
    member.force_login(world["fan"])
    assert "Your answer" in member.get(world["url"]).content.decode()


def test_saving_a_thread_never_writes_back_an_old_content_version(world):
    thread = Thread.objects.get(pk=world["thread"].pk)
    services.reaction_toggle(actor=world["fan"], post=world["answer"], kind="thanks")
    bumped = Thread.objects.values_list("content_version", flat=True).get(pk=thread.pk)
    assert bumped > thread.content_version
    thread.title = "Mouture fine ?"
    thread.save()
    assert Thread.objects.values_list("content_version", flat=True).get(pk=thread.pk) >= bumped


def test_thread_list_rows_come_from_the_cache_and_follow_every_change(world):
    url = "/communities/cafe/threads/"
    fan = Client()
    fan.force_login(world["fan"])
    assert "Mouture ?" in Client().get(url).content.decode()
    assert "1 unread" not in fan.get(url).content.decode()
    services.post_create(actor=world["author"], thread=world["thread"], body="Et aussi…")
    services.vote_set(actor=world["fan"], post=world["thread"].posts.get(position=1), value=1)
    world["thread"].tags.add(
        Tag.objects.create(community=world["community"], name="Moulin", slug="moulin")
    )
    Thread.objects.filter(pk=world["thread"].pk).update(title="Mouture fine ?")
    page = Client().get(url).content.decode()
    assert "Mouture fine ?" in page
    assert "Moulin" in page
    assert "<strong>2</strong>" in page  # replies
    # Each member's unread count is their own, never another's cached row.
    fan.get(world["url"])  # the fan reads the thread to its end
    services.post_create(actor=world["author"], thread=world["thread"], body="Encore…")
    assert "1 unread" in fan.get(url).content.decode()
    moderator = Client()
    moderator.force_login(world["moderator"])
    assert "1 unread" not in moderator.get(url).content.decode()
    assert "unread" not in Client().get(url).content.decode()
