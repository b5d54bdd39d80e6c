from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from guilde.accounts import services as account_services
from guilde.accounts.models import InstanceSettings, User
from guilde.accounts.tests.factories import (
    PASSWORD,
    MemberFactory,
    OrganisationFactory,
    set_profile,
)
from guilde.communities import services
from guilde.communities.models import Community, Membership, Tag
from guilde.communities.tests.factories import CommunityFactory, MembershipFactory, member_of
from guilde.core.testing import assert_constant_queries, run_queued_tasks


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "member"])
def test_community_list_query_count(signed_in):
    client = Client()
    viewer = MemberFactory.create()
    if signed_in:
        client.force_login(viewer)
    organisation = OrganisationFactory.create()

    def setup(count: int) -> None:
        while Community.objects.count() < count:
            community = CommunityFactory.create(
                visibility=["public", "private"][Community.objects.count() % 2]
            )
            community.organisations.add(organisation)
            Tag.objects.create(community=community, name="Topic", slug="topic")
            Tag.objects.create(community=community, name="Other", slug="other")
            member_of(community)
            MembershipFactory.create(community=community, member=viewer)

    assert_constant_queries(setup=setup, action=lambda: client.get("/communities/"))
    assert_constant_queries(
        setup=setup, action=lambda: client.get("/communities/?mine=on&tag=topic")
    )
    assert_constant_queries(setup=setup, action=lambda: client.get("/api/v1/communities"))
    assert_constant_queries(setup=setup, action=lambda: client.get("/"))


@pytest.mark.django_db
def test_community_page_and_members_page_query_counts():
    community = CommunityFactory.create(slug="busy")
    viewer = member_of(community)
    client = Client()
    client.force_login(viewer)

    def setup(count: int) -> None:
        while community.memberships.count() < count + 1:
            number = community.memberships.count()
            member = member_of(community, role="coordinator" if number % 3 == 1 else "member")
            account_services.skills_set(
                actor=member, member=member, kind="skill", names=[f"S{number}"]
            )
            account_services.affiliation_set(
                actor=member, member=member, organisation=OrganisationFactory.create()
            )
            Tag.objects.get_or_create(
                community=community, slug=f"t{number}", defaults={"name": f"T{number}"}
            )
            community.related.add(CommunityFactory.create())

    assert_constant_queries(setup=setup, action=lambda: client.get("/communities/busy/"))
    assert_constant_queries(setup=setup, action=lambda: client.get("/communities/busy/members/"))
    assert_constant_queries(
        setup=setup, action=lambda: client.get("/api/v1/communities/busy/members")
    )
    assert_constant_queries(setup=setup, action=lambda: client.get("/api/v1/communities/busy"))


@pytest.mark.django_db
def test_profile_fields_for_members_of_my_communities():
    shared = CommunityFactory.create()
    owner = member_of(shared, username="owner")
    set_profile(
        owner,
        display_name="Owner",
        bio="community-only bio",
        location="Lyon",
        field_visibility={"bio": "communities", "location": "communities"},
    )
    fellow = member_of(shared)
    stranger = member_of(CommunityFactory.create())
    requester = MemberFactory.create()
    MembershipFactory.create(community=shared, member=requester, status="pending", joined_at=None)

    for viewer, sees in (
        (fellow, True),
        (stranger, False),
        (requester, False),
        (None, False),
        (owner, True),
    ):
        client = Client()
        if viewer is not None:
            client.force_login(viewer)
        page = client.get("/members/owner/").content.decode()
        body = client.get("/api/v1/members/owner").json()
        assert ("community-only bio" in page) is sees
        assert (body["bio"] == "community-only bio") is sees
        assert (body["location"] == "Lyon") is sees
        listed = client.get("/api/v1/members?q=owner").json()["results"]
        assert (listed[0]["bio"] is not None) is sees


@pytest.mark.django_db
def test_archived_communities_are_read_only_in_pages_and_api():
    coordinator = MemberFactory.create()
    community = services.community_create(actor=coordinator, name="Old", domain="Old times")
    member = member_of(community)
    services.community_archive(actor=coordinator, community=community)
    outsider = MemberFactory.create()

    client = Client()
    client.force_login(outsider)
    assert client.get("/communities/old/").status_code == 200
    assert client.get("/communities/old/members/").status_code == 200
    assert client.post("/communities/old/join/").status_code == 403
    assert (
        client.post("/api/v1/communities/old/join", {}, content_type="application/json").status_code
        == 403
    )

    client.force_login(coordinator)
    assert client.get("/communities/old/settings/").status_code == 403
    assert (
        client.post(
            "/communities/old/settings/",
            {"invite": "1", "email": "x@example.org", "role": "member"},
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/communities/old/members/{member.username}/role/", {"role": "moderator"}
        ).status_code
        == 403
    )
    assert (
        client.patch(
            "/api/v1/communities/old", {"name": "New"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/api/v1/communities/old/invitations",
            {"email": "x@example.org"},
            content_type="application/json",
        ).status_code
        == 403
    )
    assert (
        client.put(
            f"/api/v1/communities/old/members/{member.username}/role",
            {"role": "moderator"},
            content_type="application/json",
        ).status_code
        == 403
    )
    community.refresh_from_db()
    assert community.name == "Old"
    assert Membership.objects.get(member=member).role == "member"
    assert client.post("/communities/old/restore/").status_code == 302
    community.refresh_from_db()
    assert community.status == "active"


@pytest.mark.django_db
def test_creating_and_configuring_a_community_through_the_pages(client):
    creator = MemberFactory.create()
    client.force_login(creator)
    organisation = OrganisationFactory.create()
    response = client.post(
        "/communities/new/",
        {
            "name": "Brewers",
            "domain": "Brewing beer at home and at work",
            "language": "fr",
            "visibility": "private",
            "join_policy": "approval",
            "topics": "Hops, Yeast",
            "organisations": [organisation.pk],
        },
    )
    assert response.status_code == 302
    community = Community.objects.get(slug="brewers")
    assert community.language == "fr"
    assert list(community.organisations.all()) == [organisation]
    bad = client.post(
        "/communities/new/",
        {
            "name": "X",
            "domain": "Y",
            "language": "en",
            "visibility": "hidden",
            "join_policy": "open",
        },
    )
    assert bad.status_code == 200
    assert "only be joined by invitation" in bad.content.decode()

    settings_page = client.post(
        "/communities/brewers/settings/",
        {
            "name": "Brewers Guild",
            "domain": "Brewing",
            "language": "en",
            "visibility": "public",
            "join_policy": "open",
            "topics": "Hops",
            "newcomer_days": "14",
            "description": "",
            "charter": "Be kind",
        },
    )
    assert settings_page.status_code == 302
    community.refresh_from_db()
    assert (community.name, community.newcomer_days, community.charter) == (
        "Brewers Guild",
        14,
        "Be kind",
    )
    assert list(community.tags.values_list("name", flat=True)) == ["Hops"]


@pytest.mark.django_db
def test_an_invitation_opens_sign_up_on_an_invitation_only_instance():
    instance = InstanceSettings.current()
    instance.registration_mode = InstanceSettings.Registration.INVITATION
    instance.save()
    coordinator = MemberFactory.create()
    community = services.community_create(
        actor=coordinator,
        name="Secret",
        domain="Quiet work",
        visibility="hidden",
        join_policy="invitation",
    )
    services.invitation_create(actor=coordinator, community=community, email="guest@example.org")
    run_queued_tasks()
    found = re.search(r"https?://\S+/communities/invitations/\S+/", str(mail.outbox[-1].body))
    assert found is not None
    link = found.group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]

    client = Client()
    welcome = client.get(path)
    assert welcome.status_code == 200
    assert "You are invited to Secret" in welcome.content.decode()
    refused = client.post(
        "/accounts/signup/",
        {"email": "other@example.org", "username": "other", "password1": PASSWORD},
    )
    assert refused.status_code == 200
    signed_up = client.post(
        "/accounts/signup/",
        {"email": "guest@example.org", "username": "guest", "password1": PASSWORD},
    )
    assert signed_up.status_code == 302
    guest = User.objects.get(username="guest")
    # The address is confirmed from the mail; signing in then accepts the invitation.
    run_queued_tasks()
    found = re.search(r"https?://\S+/accounts/confirm-email/\S+/", str(mail.outbox[-1].body))
    assert found is not None
    confirm = found.group(0)
    client.post("/" + confirm.split("://", 1)[1].split("/", 1)[1])
    assert Membership.objects.filter(community=community, member=guest, status="active").exists()


@pytest.mark.django_db
def test_member_counts_follow_joins_and_departures_at_once():
    from guilde.communities import selectors

    community = CommunityFactory.create(slug="counted", visibility="public", join_policy="open")
    other = CommunityFactory.create(slug="elsewhere", visibility="public")
    member_of(community), member_of(community), member_of(other)
    newcomer = MemberFactory.create()

    def shown() -> tuple[str, str]:
        page = Client().get("/communities/counted/").content.decode()
        directory = Client().get("/communities/").content.decode()
        return (
            re.search(r"(\d+) members?", page).group(0),  # type: ignore[union-attr]
            re.search(r"(\d+) members?", directory).group(0),  # type: ignore[union-attr]
        )

    assert shown() == ("2 members", "2 members")  # "counted" comes first in the directory
    assert selectors.active_member_counts() == {community.pk: 2, other.pk: 1}  # now cached
    services.membership_join(actor=newcomer, community=community)
    assert shown() == ("3 members", "3 members")
    services.membership_leave(actor=newcomer, community=community)
    assert shown() == ("2 members", "2 members")
    # Another process's join: it clears the shared counts (its signal), not this thread's
    # copy; the next request here reads them again.
    from django.core.cache import cache
    from django.utils import timezone

    Membership.objects.bulk_create(
        [
            Membership(
                community=community,
                member=MemberFactory.create(),
                status="active",
                joined_at=timezone.now(),
            )
        ]
    )
    cache.delete(selectors.MEMBER_COUNTS_KEY)
    assert shown() == ("3 members", "3 members")
