"""A member's expertise on their profile: topics from what the viewer reads, hidden
topics, skill levels and endorsements under the skills field's visibility; follows and
the feed; an organisation's contributions."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from guilde.accounts import services as accounts
from guilde.accounts.models import Block
from guilde.accounts.tests.factories import MemberFactory, OrganisationFactory, set_profile
from guilde.communities.models import Community, Tag
from guilde.communities.tests.factories import CommunityFactory, MembershipFactory, member_of
from guilde.core.testing import assert_constant_queries
from guilde.discussions import services as discussions
from guilde.people import evidence, services
from guilde.people.models import Endorsement

pytestmark = pytest.mark.django_db


def _answer(community, tag, answerer, title="Which hops?"):
    thread = discussions.thread_create(
        actor=member_of(community), community=community, kind="question", title=title, body="?",
        tags=[tag],
    )  # fmt: skip
    return discussions.post_create(actor=answerer, thread=thread, body="These.")


@pytest.fixture
def world():
    public = CommunityFactory.create(slug="brewers")
    secret = CommunityFactory.create(slug="cellar", visibility=Community.Visibility.PRIVATE)
    Tag.objects.create(community=public, slug="hops", name="Hops")
    Tag.objects.create(community=secret, slug="sours", name="Sours")
    ann = member_of(public, username="ann", display_name="Ann")
    member_of_secret = member_of(secret, username="insider")
    MembershipFactory.create(community=secret, member=ann)
    _answer(public, "hops", ann)
    _answer(secret, "sours", ann, "Private sour question")
    accounts.skills_set(actor=ann, member=ann, kind="skill", names=["Brewing"])
    services.skill_level_set(actor=ann, skill_slug="brewing", level="expert")
    evidence.refresh()
    return {"public": public, "secret": secret, "ann": ann, "insider": member_of_secret}


def _expertise(client: Client, username: str = "ann") -> Any:
    return client.get(f"/api/v1/members/{username}/expertise").json()


def test_topics_come_from_the_communities_the_viewer_reads(world):
    visitor = _expertise(Client())
    assert [t["topic"] for t in visitor["topics"]] == ["hops"]
    assert visitor["topics"][0]["reason"].startswith("1 answer")
    insider = Client()
    insider.force_login(world["insider"])
    assert {t["topic"] for t in _expertise(insider)["topics"]} == {"hops", "sours"}
    page = Client().get("/members/ann/expertise/").content.decode()
    assert "#hops" in page
    assert "#sours" not in page


def test_a_hidden_topic_is_left_off_for_others_but_shown_to_its_owner(world):
    services.topic_hide(actor=world["ann"], slug="#Hops")
    assert _expertise(Client())["topics"] == []
    owner = Client()
    owner.force_login(world["ann"])
    assert {(t["topic"], t["hidden"]) for t in _expertise(owner)["topics"]} == {
        ("hops", True),
        ("sours", False),
    }
    # Nor is she suggested for it.
    assert Client().get("/api/v1/experts", {"q": "hops"}).json()["experts"] == []
    owner.delete("/api/v1/me/hidden-topics/hops")
    assert [
        e["username"] for e in Client().get("/api/v1/experts", {"q": "hops"}).json()["experts"]
    ] == ["ann"]


def test_opting_out_of_suggestions(world):
    client = Client()
    client.force_login(world["ann"])
    assert (
        client.patch(
            "/api/v1/me/expertise-settings", {"suggest": False}, content_type="application/json"
        ).json()["suggest"]
        is False
    )
    assert Client().get("/api/v1/experts", {"q": "hops"}).json()["experts"] == []
    # The settings page says the same and saves levels.
    response = client.post(
        "/settings/expertise/",
        {"save": "preferences", "suggest": "on", "level-brewing": "practising"},
    )
    assert response.status_code == 302
    skills = _expertise(client)["skills"]
    assert skills[0]["level"] == "practising"
    assert client.get("/api/v1/me/expertise-settings").json()["suggest"] is True


def test_endorsements_once_per_endorser_not_oneself_not_across_a_block(world):
    ann, peer = world["ann"], member_of(world["public"], username="peer")
    client = Client()
    client.force_login(peer)
    url = "/api/v1/members/ann/skills/brewing/endorsement"
    assert client.put(url).status_code == 204
    assert client.put(url).status_code == 204
    assert Endorsement.objects.count() == 1
    body = _expertise(Client())
    assert body["skills"] == [
        {
            "skill": "brewing",
            "name": "Brewing",
            "level": "expert",
            "endorsements": 1,
            "endorsers": ["peer"],
            "endorsed_by_me": False,
        }
    ]
    assert _expertise(client)["skills"][0]["endorsed_by_me"] is True
    with pytest.raises(ValidationError):
        services.endorse(actor=ann, member=ann, skill_slug="brewing")
    Block.objects.create(blocker=ann, blocked=MemberFactory.create(username="troll"))
    with pytest.raises(PermissionDenied):
        services.endorse(
            actor=ann.blocks.get().blocked, member=ann, skill_slug="brewing"
        )  # fmt: skip
    assert client.put("/api/v1/members/ann/skills/unknown/endorsement").status_code == 404
    assert client.delete(url).status_code == 204
    assert Endorsement.objects.count() == 0


def test_hidden_skills_show_no_level_nor_endorsement_and_cannot_be_endorsed(world):
    set_profile(world["ann"], field_visibility={"skills": "private"})
    assert _expertise(Client())["skills"] is None
    peer = Client()
    peer.force_login(member_of(world["public"]))
    assert peer.put("/api/v1/members/ann/skills/brewing/endorsement").status_code == 404
    assert "Brewing" not in Client().get("/members/ann/expertise/").content.decode()


def test_follow_and_the_feed_show_only_what_the_follower_may_read(world):
    reader = member_of(world["public"], username="reader")
    client = Client()
    client.force_login(reader)
    assert client.put("/api/v1/members/ann/follow").status_code == 204
    assert [m["username"] for m in client.get("/api/v1/me/following").json()] == ["ann"]
    titles = [a["title"] for a in client.get("/api/v1/me/feed").json()]
    assert titles == ["Which hops?"]  # not the private sour question
    page = client.get("/people/").content.decode()
    assert "Which hops?" in page
    assert "Private sour question" not in page
    assert client.put("/api/v1/members/reader/follow").status_code == 422  # oneself
    Block.objects.create(blocker=world["ann"], blocked=reader)
    assert client.get("/api/v1/me/feed").json() == []
    assert client.put("/api/v1/members/ann/follow").status_code == 403
    assert client.delete("/api/v1/members/ann/follow").status_code == 204


def test_an_organisation_shows_its_members_public_contributions(world):
    acme = OrganisationFactory.create(slug="acme")
    accounts.affiliation_set(actor=world["ann"], member=world["ann"], organisation=acme)
    html = Client().get("/organisations/acme/contributions/").content.decode()
    assert "Which hops?" in html
    assert "Private sour question" not in html
    assert "Cellar" not in html
    assert world["secret"].name not in html
    set_profile(world["ann"], field_visibility={"organisations": "private"})
    html = Client().get("/organisations/acme/contributions/").content.decode()
    assert "Which hops?" not in html


def test_the_pages_cost_the_same_queries_for_1_or_10_items(world):
    viewer = member_of(world["public"])
    acme = OrganisationFactory.create(slug="acme")
    client = Client()
    client.force_login(viewer)
    made: list[int] = []

    def setup(n: int) -> None:
        while len(made) < n:
            other = member_of(world["public"])
            services.endorse(actor=other, member=world["ann"], skill_slug="brewing")
            services.follow(actor=viewer, member=other)
            _answer(world["public"], "hops", other, f"Hops {len(made)}")
            accounts.skills_set(actor=other, member=other, kind="interest", names=["Brewing"])
            accounts.affiliation_set(actor=other, member=other, organisation=acme)
            made.append(other.pk)
        evidence.refresh()

    accounts.skills_set(actor=viewer, member=viewer, kind="interest", names=["Brewing"])
    urls = [
        "/members/ann/expertise/",
        "/api/v1/members/ann/expertise",
        "/people/",
        "/api/v1/me/feed",
        "/api/v1/me/recommendations",
        "/organisations/acme/contributions/",
    ]
    for url in urls:
        made.clear()

        def visit(address: str = url) -> Any:
            return client.get(address)

        assert_constant_queries(setup=setup, action=visit, large=10)
