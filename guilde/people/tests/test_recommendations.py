"""People to meet: each reason from what the viewer may see; blocked members, members who
opted out and those already followed are never suggested."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from guilde.accounts import services as accounts
from guilde.accounts.models import Block
from guilde.accounts.tests.factories import OrganisationFactory, set_profile
from guilde.communities.models import Community, Membership
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.people import services

pytestmark = pytest.mark.django_db


def _terms(member, kind, *names):
    accounts.skills_set(actor=member, member=member, kind=kind, names=list(names))


@pytest.fixture
def world():
    community = CommunityFactory.create(slug="makers")
    me = member_of(community, username="me")
    _terms(me, "interest", "Woodwork")
    _terms(me, "learning", "Welding")
    mine = OrganisationFactory.create(slug="mine", name="Mine")
    theirs = OrganisationFactory.create(slug="theirs", name="Theirs")
    accounts.affiliation_set(actor=me, member=me, organisation=mine)
    fan = member_of(community, username="fan")
    _terms(fan, "interest", "Woodwork")
    welder = member_of(community, username="welder")
    _terms(welder, "skill", "Welding")
    bridge = member_of(community, username="bridge")
    accounts.affiliation_set(actor=bridge, member=bridge, organisation=theirs)
    # Outside my communities: never suggested, whatever they share with me.
    elsewhere = member_of(CommunityFactory.create(), username="elsewhere")
    _terms(elsewhere, "interest", "Woodwork")
    # Everyone above joined long ago; one newcomer joined today.
    Membership.objects.update(joined_at=datetime(2020, 1, 1, tzinfo=UTC))
    member_of(community, username="newbie")
    return {"community": community, "me": me, "fan": fan, "welder": welder, "bridge": bridge}


def _suggested(member) -> dict[str, tuple[str, str]]:
    client = Client()
    client.force_login(member)
    return {
        r["username"]: (r["kind"], r["reason"])
        for r in client.get("/api/v1/me/recommendations").json()
    }


def test_each_kind_of_reason(world):
    found = _suggested(world["me"])
    assert found["welder"] == ("learn", "Knows about Welding, which you want to learn")
    assert found["fan"] == ("interests", "Also into Woodwork")
    assert found["bridge"] == ("bridge", "From Theirs: another organisation in your communities")
    assert found["newbie"][0] == "newcomer"
    assert "elsewhere" not in found
    assert "me" not in found
    page = Client()
    page.force_login(world["me"])
    html = page.get("/people/").content.decode()
    assert "Also into Woodwork" in html


def test_reasons_use_only_fields_the_viewer_may_see(world):
    set_profile(world["welder"], field_visibility={"skills": "private"})
    set_profile(world["fan"], field_visibility={"interests": "private"})
    set_profile(world["bridge"], field_visibility={"organisations": "private"})
    found = _suggested(world["me"])
    assert "welder" not in found or found["welder"][0] == "newcomer"
    assert "fan" not in found
    assert "bridge" not in found


def test_blocked_opted_out_and_followed_members_are_not_suggested(world):
    me = world["me"]
    Block.objects.create(blocker=world["fan"], blocked=me)
    services.preferences_set(actor=world["welder"], suggest=False)
    services.follow(actor=me, member=world["bridge"])
    found = _suggested(me)
    assert not {"fan", "welder", "bridge"} & set(found)


def test_a_private_community_suggests_only_to_its_members(world):
    secret = CommunityFactory.create(visibility=Community.Visibility.PRIVATE)
    insider = member_of(secret, username="insider")
    _terms(insider, "interest", "Woodwork")
    assert "insider" not in _suggested(world["me"])
