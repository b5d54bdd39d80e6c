from __future__ import annotations

import pytest
from django.test import Client

from guilde.accounts import services as account_services
from guilde.accounts.tests.factories import MemberFactory
from guilde.communities.models import Tag
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import assert_constant_queries
from guilde.discussions import services


def _api(member) -> Client:
    token = account_services.token_create(actor=member, member=member, name="t", scope="write")[1]
    return Client(headers={"Authorization": f"Bearer {token}"})


@pytest.mark.django_db
def test_asking_answering_and_accepting_through_the_api():
    community = CommunityFactory.create(slug="qa")
    Tag.objects.create(community=community, name="Yeast", slug="yeast")
    asker, helper = member_of(community, username="asker"), member_of(community, username="helper")
    asks, helps = _api(asker), _api(helper)

    created = asks.post(
        "/api/v1/communities/qa/threads",
        {
            "kind": "question",
            "title": "Why does my dough not rise?",
            "body": "It stays flat.",
            "tags": ["yeast"],
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    thread = created.json()
    assert (thread["kind"], thread["tags"], thread["author"]) == ("question", ["yeast"], "asker")
    assert (
        asks.post(
            "/api/v1/communities/qa/threads",
            {"title": "x", "body": "y", "tags": ["nope"]},
            content_type="application/json",
        ).status_code
        == 422
    )

    answer = helps.post(
        f"/api/v1/threads/{thread['id']}/posts",
        {"body": "Your yeast is **dead**."},
        content_type="application/json",
    )
    assert answer.status_code == 201
    answer_id = answer.json()["id"]
    assert "<strong>dead</strong>" in answer.json()["body_html"]

    voted = asks.put(
        f"/api/v1/posts/{answer_id}/vote", {"value": 1}, content_type="application/json"
    )
    assert voted.json()["score"] == 1
    assert (
        helps.put(
            f"/api/v1/posts/{answer_id}/vote", {"value": 1}, content_type="application/json"
        ).status_code
        == 403
    )
    reacted = asks.post(
        f"/api/v1/posts/{answer_id}/reactions", {"kind": "thanks"}, content_type="application/json"
    ).json()
    assert {r["kind"]: (r["count"], r["mine"]) for r in reacted["reactions"]}["thanks"] == (1, True)

    assert (
        helps.post(
            f"/api/v1/threads/{thread['id']}/accept",
            {"post": answer_id},
            content_type="application/json",
        ).status_code
        == 403
    )
    accepted = asks.post(
        f"/api/v1/threads/{thread['id']}/accept",
        {"post": answer_id},
        content_type="application/json",
    )
    assert accepted.json()["accepted_post"] == answer_id
    solved = Client().get("/api/v1/communities/qa/threads?filter=solved").json()["results"]
    assert [t["id"] for t in solved] == [thread["id"]]

    edited = helps.patch(
        f"/api/v1/posts/{answer_id}",
        {"body": "Your yeast is old."},
        content_type="application/json",
    )
    assert edited.json()["edited_at"] is not None
    assert helps.delete(f"/api/v1/posts/{answer_id}").status_code == 204
    posts = Client().get(f"/api/v1/threads/{thread['id']}/posts").json()["results"]
    assert [p["state"] for p in posts] == ["visible", "deleted"]
    assert Client().get(f"/api/v1/threads/{thread['id']}").json()["accepted_post"] is None


@pytest.mark.django_db
def test_ideas_and_moderation_fields_through_the_api():
    community = CommunityFactory.create(slug="ideas")
    author = member_of(community)
    coordinator = member_of(community, role="coordinator")
    idea = (
        _api(author)
        .post(
            "/api/v1/communities/ideas/threads",
            {"kind": "idea", "title": "Bake-off", "body": "Let us"},
            content_type="application/json",
        )
        .json()
    )
    assert (
        _api(author)
        .patch(
            f"/api/v1/threads/{idea['id']}",
            {"idea_status": "planned"},
            content_type="application/json",
        )
        .status_code
        == 403
    )
    updated = (
        _api(coordinator)
        .patch(
            f"/api/v1/threads/{idea['id']}",
            {"idea_status": "planned", "pinned": True},
            content_type="application/json",
        )
        .json()
    )
    assert (updated["idea_status"], updated["pinned"]) == ("planned", True)
    assert (
        _api(MemberFactory.create())
        .post(
            f"/api/v1/threads/{idea['id']}/posts",
            {"body": "outsider"},
            content_type="application/json",
        )
        .status_code
        == 403
    )


@pytest.mark.django_db
def test_private_threads_are_404_through_the_api():
    community = CommunityFactory.create(slug="secret", visibility="private", join_policy="approval")
    member = member_of(community)
    thread = (
        _api(member)
        .post(
            "/api/v1/communities/secret/threads",
            {"title": "Hush", "body": "quiet"},
            content_type="application/json",
        )
        .json()
    )
    outsider = _api(MemberFactory.create())
    for url in (
        f"/api/v1/threads/{thread['id']}",
        f"/api/v1/threads/{thread['id']}/posts",
        "/api/v1/communities/secret/threads",
    ):
        assert outsider.get(url).status_code == 404
        assert Client().get(url).status_code == 404


# A post's edit history, the composer's preview (API completeness, issue 17) ----------------


def _edited_answer():
    community = CommunityFactory.create(slug="hist", visibility="private", join_policy="approval")
    author, moderator = member_of(community), member_of(community, role="moderator")
    other = member_of(community)
    thread = services.thread_create(
        actor=other, community=community, kind="question", title="Why?", body="Tell me."
    )
    answer = services.post_create(actor=author, thread=thread, body="First version")
    services.post_edit(actor=author, post=answer, body="Second version")
    services.post_edit(actor=moderator, post=answer, body="Third version")
    return community, answer, {"author": author, "moderator": moderator, "other": other}


@pytest.mark.django_db
def test_a_posts_history_is_for_its_author_and_moderators():
    _community, answer, people = _edited_answer()
    for role in ("author", "moderator"):
        found = _api(people[role]).get(f"/api/v1/posts/{answer.pk}/history")
        assert found.status_code == 200, role
        revisions = found.json()["results"]
        assert [r["body"] for r in revisions] == ["Second version", "First version"]
        assert [r["edited_by"] for r in revisions] == [
            people["moderator"].username,
            people["author"].username,
        ]
    # Another member reads the post but may not edit it; outsiders do not see it at all.
    assert _api(people["other"]).get(f"/api/v1/posts/{answer.pk}/history").status_code == 403
    outsider = _api(MemberFactory.create())
    assert outsider.get(f"/api/v1/posts/{answer.pk}/history").status_code == 404
    assert Client().get(f"/api/v1/posts/{answer.pk}/history").status_code == 401
    assert _api(people["author"]).get("/api/v1/posts/999999/history").status_code == 404
    invalid = _api(people["author"]).get(f"/api/v1/posts/{answer.pk}/history?page_size=0")
    assert invalid.status_code == 422


@pytest.mark.django_db
def test_a_posts_history_costs_the_same_queries_for_1_and_20_versions():
    from django.utils import timezone

    from guilde.discussions.models import PostRevision

    _community, answer, people = _edited_answer()
    api = _api(people["author"])

    def setup(count: int) -> None:
        while (existing := PostRevision.objects.filter(post=answer).count()) < count:
            PostRevision.objects.create(
                post=answer,
                body=f"Version {existing}",
                edited_by=MemberFactory.create(),
                created_at=timezone.now(),
            )

    assert_constant_queries(
        setup=setup, action=lambda: api.get(f"/api/v1/posts/{answer.pk}/history")
    )


@pytest.mark.django_db
def test_the_preview_renders_and_sanitises_as_a_post_would():
    community = CommunityFactory.create(slug="prev", visibility="private", join_policy="approval")
    member = member_of(community, username="writer")
    api = _api(member)
    text = "**Bold** <script>alert(1)</script> [x](javascript:alert(1)) @writer"
    shown = api.post(
        "/api/v1/communities/prev/preview", {"body": text}, content_type="application/json"
    )
    assert shown.status_code == 200
    html = shown.json()["html"]
    assert "<strong>Bold</strong>" in html
    assert "<script" not in html  # raw HTML is text
    assert 'href="javascript' not in html
    assert 'href="/members/writer/"' in html  # the mention
    assert html == services.render_body(text).html  # exactly what the post will show
    missing = api.post("/api/v1/communities/prev/preview", {}, content_type="application/json")
    assert missing.status_code == 422
    # Only those who may post there: not an outsider (the community is private), not a
    # visitor, not a read-only token.
    outsider = _api(MemberFactory.create())
    assert (
        outsider.post(
            "/api/v1/communities/prev/preview", {"body": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert (
        Client()
        .post("/api/v1/communities/prev/preview", {"body": "x"}, content_type="application/json")
        .status_code
        == 401
    )
    public = CommunityFactory.create(slug="open-one")
    assert (
        outsider.post(
            f"/api/v1/communities/{public.slug}/preview",
            {"body": "x"},
            content_type="application/json",
        ).status_code
        == 403
    )
