from __future__ import annotations

import pytest
from django.test import Client

from guilde.accounts import services as account_services
from guilde.accounts.tests.factories import MemberFactory, OrganisationFactory
from guilde.communities.models import Membership


def _client(member) -> Client:
    token = account_services.token_create(actor=member, member=member, name="t", scope="write")[1]
    return Client(headers={"Authorization": f"Bearer {token}"})


@pytest.mark.django_db
def test_a_community_lifecycle_through_the_api():
    coordinator, newcomer = MemberFactory.create(), MemberFactory.create(username="newcomer")
    OrganisationFactory.create(slug="acme")
    api = _client(coordinator)
    created = api.post(
        "/api/v1/communities",
        {
            "name": "Tasters",
            "domain": "Tasting",
            "join_policy": "approval",
            "tags": ["Wine", "Beer"],
            "organisations": ["acme"],
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["viewer"] == {
        "membership": "active",
        "role": "coordinator",
        "can_view": True,
        "can_post": True,
        "can_moderate": True,
        "can_manage": True,
        "can_join": False,
        "can_leave": True,
    }
    assert body["tags"] == ["Beer", "Wine"]
    assert (
        api.post(
            "/api/v1/communities",
            {"name": "X", "domain": "Y", "organisations": ["nope"]},
            content_type="application/json",
        ).status_code
        == 422
    )

    visitor = _client(newcomer)
    assert visitor.post(
        "/api/v1/communities/tasters/join", {"message": "Hi"}, content_type="application/json"
    ).json() == {"status": "pending", "role": "member", "steward": False}
    assert [r["username"] for r in api.get("/api/v1/communities/tasters/requests").json()] == [
        "newcomer"
    ]
    assert (
        api.post("/api/v1/communities/tasters/requests/newcomer/approve").json()["status"]
        == "active"
    )
    assert (
        api.put(
            "/api/v1/communities/tasters/members/newcomer/role",
            {"role": "moderator"},
            content_type="application/json",
        ).json()["role"]
        == "moderator"
    )

    # The last coordinator names a successor to leave.
    assert (
        api.post(
            "/api/v1/communities/tasters/leave", {}, content_type="application/json"
        ).status_code
        == 409
    )
    assert (
        api.post(
            "/api/v1/communities/tasters/leave",
            {"successor": "newcomer"},
            content_type="application/json",
        ).status_code
        == 204
    )
    assert Membership.objects.get(member=newcomer).role == "coordinator"

    patched = visitor.patch(
        "/api/v1/communities/tasters", {"visibility": "hidden"}, content_type="application/json"
    )
    assert patched.status_code == 422  # a hidden community joins by invitation only
    patched = visitor.patch(
        "/api/v1/communities/tasters",
        {"visibility": "hidden", "join_policy": "invitation"},
        content_type="application/json",
    )
    assert patched.status_code == 200
    assert Client().get("/api/v1/communities/tasters").status_code == 404
    assert visitor.post("/api/v1/communities/tasters/archive").json()["status"] == "archived"
    assert (
        visitor.patch(
            "/api/v1/communities/tasters", {"name": "New"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert visitor.post("/api/v1/communities/tasters/restore").json()["status"] == "active"
