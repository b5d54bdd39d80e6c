from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from guilde.accounts import services as account_services
from guilde.accounts.tests.factories import MemberFactory, OrganisationFactory
from guilde.communities import services
from guilde.communities.models import Membership
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import run_queued_tasks


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


# Accepting an invitation (API completeness, issue 17) ---------------------------------------


def _invitation_token(coordinator, community, email: str, role: str = "member") -> str:
    """The secret, as the invitee finds it in the e-mail's link."""
    services.invitation_create(actor=coordinator, community=community, email=email, role=role)
    run_queued_tasks()
    found = re.search(r"/communities/invitations/([^/\s]+)/", str(mail.outbox[-1].body))
    assert found is not None
    return found.group(1)


@pytest.mark.django_db
def test_an_invitation_is_accepted_through_the_api():
    community = CommunityFactory.create(slug="quiet", visibility="hidden", join_policy="invitation")
    coordinator = member_of(community, role="coordinator")
    token = _invitation_token(coordinator, community, "guest@example.org", role="moderator")
    guest = MemberFactory.create(email="guest@example.org")
    api = _client(guest)
    assert api.get("/api/v1/communities/quiet").status_code == 404  # hidden until then

    accepted = api.post(f"/api/v1/communities/invitations/{token}/accept")
    assert accepted.status_code == 200
    assert accepted.json() == {"community": "quiet", "status": "active", "role": "moderator"}
    membership = Membership.objects.get(community=community, member=guest)
    assert (membership.status, membership.role) == ("active", "moderator")
    assert api.get("/api/v1/communities/quiet").json()["viewer"]["membership"] == "active"
    # Used once: a second acceptance (by anyone) finds nothing.
    again = _client(MemberFactory.create()).post(f"/api/v1/communities/invitations/{token}/accept")
    assert again.status_code == 404


@pytest.mark.django_db
def test_accepting_an_invitation_needs_a_member_and_a_valid_secret():
    community = CommunityFactory.create(slug="quiet", visibility="hidden", join_policy="invitation")
    token = _invitation_token(member_of(community, role="coordinator"), community, "a@example.org")
    assert Client().post(f"/api/v1/communities/invitations/{token}/accept").status_code == 401
    member = MemberFactory.create()
    read_only = Client(
        headers={
            "Authorization": "Bearer "
            + account_services.token_create(actor=member, member=member, name="r", scope="read")[1]
        }
    )
    assert read_only.post(f"/api/v1/communities/invitations/{token}/accept").status_code == 403
    api = _client(member)
    for wrong in ("not-an-invitation", token[:-1], token + "x"):
        refused = api.post(f"/api/v1/communities/invitations/{wrong}/accept")
        assert refused.status_code == 404, wrong
        assert refused["Content-Type"] == "application/problem+json"
    assert not Membership.objects.filter(community=community, member=member).exists()


@pytest.mark.django_db
def test_my_communities_count_all_their_active_members():
    """`mine=true` once joined memberships to find the viewer's communities, and the same
    join narrowed the members counted to the viewer: every community said 1 (or 0 where
    the viewer's request was pending)."""
    joined = CommunityFactory.create(slug="joined")
    requested = CommunityFactory.create(slug="requested", join_policy="approval")
    me = member_of(joined)
    for _ in range(3):
        member_of(joined)
        member_of(requested)
    Membership.objects.create(community=requested, member=me, status="pending")
    client = Client()
    client.force_login(me)
    mine = client.get("/api/v1/communities", {"mine": "true"}).json()["results"]
    assert {c["slug"]: c["member_count"] for c in mine} == {"joined": 4, "requested": 3}
    everyone = client.get("/api/v1/communities").json()["results"]
    assert {c["slug"]: c["member_count"] for c in everyone} == {"joined": 4, "requested": 3}
