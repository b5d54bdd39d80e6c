from __future__ import annotations

import pytest
from django.test import Client

from guilde.accounts import services as account_services
from guilde.accounts.tests.factories import MemberFactory
from guilde.communities.models import Tag
from guilde.communities.tests.factories import CommunityFactory, member_of


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
