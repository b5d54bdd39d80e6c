"""The people API's operations added for completeness (issue 17): an organisation's
contributions."""

from __future__ import annotations

import pytest
from django.test import Client

from guilde.accounts import services as accounts
from guilde.accounts.models import Block
from guilde.accounts.tests.factories import MemberFactory, OrganisationFactory, set_profile
from guilde.communities.tests.factories import CommunityFactory, MembershipFactory, member_of
from guilde.core.testing import assert_constant_queries
from guilde.discussions import services as discussions

pytestmark = pytest.mark.django_db

URL = "/api/v1/organisations/acme/contributions"


def _api(member) -> Client:
    token = accounts.token_create(actor=member, member=member, name="t", scope="read")[1]
    return Client(headers={"Authorization": f"Bearer {token}"})


def _thread(community, author, title):
    return discussions.thread_create(
        actor=author, community=community, kind="question", title=title, body="?"
    )


@pytest.fixture
def acme():
    organisation = OrganisationFactory.create(slug="acme")
    public = CommunityFactory.create(slug="brewing", name="Brewing")
    private = CommunityFactory.create(
        slug="cellar", name="Cellar", visibility="private", join_policy="approval"
    )
    ann = member_of(public, username="ann")
    accounts.affiliation_set(actor=ann, member=ann, organisation=organisation)
    MembershipFactory.create(community=private, member=ann)
    _thread(public, ann, "Which hops?")
    _thread(private, ann, "Private sour question")
    return {"organisation": organisation, "public": public, "private": private, "ann": ann}


def test_an_organisations_contributions_as_the_caller_may_see_them(acme):
    found = Client().get(URL)
    assert found.status_code == 200
    body = found.json()
    assert [(c["slug"], c["name"]) for c in body["communities"]] == [("brewing", "Brewing")]
    assert [(a["kind"], a["title"], a["username"]) for a in body["contributions"]] == [
        ("thread", "Which hops?", "ann")
    ]
    # A member of the private community sees what ann did there too.
    insider = member_of(acme["private"])
    titles = [a["title"] for a in _api(insider).get(URL).json()["contributions"]]
    assert titles == ["Private sour question", "Which hops?"]


def test_an_organisations_contributions_leave_out_hidden_affiliations_and_blocks(acme):
    viewer = MemberFactory.create()
    Block.objects.create(blocker=viewer, blocked=acme["ann"])
    assert _api(viewer).get(URL).json()["contributions"] == []
    set_profile(acme["ann"], field_visibility={"organisations": "private"})
    assert Client().get(URL).json() == {"communities": [], "contributions": []}
    assert Client().get("/api/v1/organisations/no-such/contributions").status_code == 404


def test_an_organisations_contributions_cost_the_same_queries_for_1_and_20(acme):
    made: list[int] = []

    def setup(count: int) -> None:
        while len(made) < count:
            other = member_of(acme["public"])
            accounts.affiliation_set(actor=other, member=other, organisation=acme["organisation"])
            community = CommunityFactory.create()
            member_of(community)
            MembershipFactory.create(community=community, member=other)
            _thread(community, other, f"Question {len(made)}")
            made.append(other.pk)

    api = _api(MemberFactory.create())
    assert_constant_queries(setup=setup, action=lambda: api.get(URL))
