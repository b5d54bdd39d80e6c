"""The member directory: every filter, each only on what the viewer may see; blocks both
ways; private communities' members only for their readers; constant queries."""

from __future__ import annotations

import pytest
from django.test import Client

from guilde.accounts import services as accounts
from guilde.accounts.models import Block
from guilde.accounts.tests.factories import MemberFactory, OrganisationFactory, set_profile
from guilde.communities.models import Community
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import assert_constant_queries
from guilde.people.directory import zones_near

pytestmark = pytest.mark.django_db


def _names(client: Client, **filters: str) -> set[str]:
    body = client.get("/api/v1/members", {**filters, "page_size": "100"}).json()
    return {m["username"] for m in body["results"]}


def _page_names(client: Client, **filters: str) -> set[str]:
    response = client.get("/members/", filters)
    return {p.username for p in response.context["profiles"]}


@pytest.fixture
def people():
    acme = OrganisationFactory.create(slug="acme")
    shown = MemberFactory.create(username="shown")
    hidden = MemberFactory.create(username="hidden")
    for member, level in ((shown, "everyone"), (hidden, "private")):
        set_profile(
            member,
            time_zone="Europe/Paris",
            languages=["fr"],
            open_to_questions=True,
            open_to_mentor=True,
            field_visibility=dict.fromkeys(
                ("skills", "interests", "organisations", "languages", "time_zone", "availability"),
                level,
            ),
        )
        accounts.skills_set(actor=member, member=member, kind="skill", names=["Welding"])
        accounts.skills_set(actor=member, member=member, kind="interest", names=["Brewing"])
        accounts.affiliation_set(actor=member, member=member, organisation=acme)
    return {"shown": shown, "hidden": hidden}


@pytest.mark.parametrize(
    "filters",
    [
        {"skill": "Welding"},
        {"interest": "brewing"},
        {"organisation": "acme"},
        {"language": "fr"},
        {"time_zone": "Europe/Paris"},
        {"time_zone": "Europe/Berlin"},  # the same offset
        {"open_to_questions": "true"},
        {"open_to_mentor": "true"},
    ],
)
def test_each_filter_finds_only_members_who_show_the_field(people, filters):
    visitor = Client()
    assert _names(visitor, **filters) == {"shown"}
    page_filters = dict(filters)
    if "open_to_questions" in page_filters:
        page_filters = {"availability": "questions"}
    if "open_to_mentor" in page_filters:
        page_filters = {"availability": "mentoring"}
    assert _page_names(visitor, **page_filters) == {"shown"}
    # Its owner finds themselves whatever they hide.
    owner = Client()
    owner.force_login(people["hidden"])
    assert "hidden" in _names(owner, **filters)


def test_an_interest_is_not_a_skill(people):
    assert _names(Client(), skill="brewing") == set()
    assert _names(Client(), interest="welding") == set()


def test_time_zones_within_hours():
    assert "Europe/Berlin" in zones_near("Europe/Paris")
    assert "America/Montreal" not in zones_near("Europe/Paris", 3)
    assert "America/Montreal" in zones_near("Europe/Paris", 6)
    assert zones_near("Nowhere/Atlantis", 3) == []


def test_the_community_filter_shows_members_only_to_its_readers():
    secret = CommunityFactory.create(slug="cellar", visibility=Community.Visibility.PRIVATE)
    public = CommunityFactory.create(slug="square")
    insider = member_of(secret, username="insider")
    member_of(public, username="citizen")
    visitor = Client()
    assert _names(visitor, community="square") == {"citizen"}
    assert _names(visitor, community="cellar") == set()
    assert _page_names(visitor, community="cellar") == _page_names(visitor)  # unknown choice
    reader = Client()
    reader.force_login(insider)
    assert _names(reader, community="cellar") == {"insider"}
    # The private community is offered as a filter to its readers only.
    assert 'value="cellar"' in reader.get("/members/").content.decode()
    assert 'value="cellar"' not in visitor.get("/members/").content.decode()


def test_blocked_members_are_left_out_both_ways(people):
    viewer = MemberFactory.create(username="viewer")
    client = Client()
    client.force_login(viewer)
    assert "shown" in _names(client)
    Block.objects.create(blocker=viewer, blocked=people["shown"])
    assert "shown" not in _names(client)
    assert "shown" not in _page_names(client)
    Block.objects.all().delete()
    Block.objects.create(blocker=people["shown"], blocked=viewer)
    assert "shown" not in _names(client)


def test_bad_filters_get_a_clear_error_or_are_ignored(people):
    response = Client().get("/api/v1/members", {"hours_apart": 40})
    assert response.status_code == 422
    assert Client().get("/members/", {"hours_apart": "x"}).status_code == 200


def test_the_directory_costs_the_same_queries_for_1_or_10_members():
    made: list[int] = []

    def setup(n: int) -> None:
        while len(made) < n:
            member = MemberFactory.create()
            accounts.skills_set(actor=member, member=member, kind="skill", names=["Welding"])
            made.append(member.pk)

    viewer = MemberFactory.create()
    client = Client()
    client.force_login(viewer)
    assert_constant_queries(
        setup=setup, action=lambda: client.get("/members/", {"skill": "welding"}), large=10
    )
    assert_constant_queries(
        setup=setup,
        action=lambda: client.get("/api/v1/members", {"skill": "welding", "time_zone": "UTC"}),
        large=10,
    )
