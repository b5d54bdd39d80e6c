"""Who knows about …: members ranked from the evidence the viewer may see, with reasons;
never from a private community's activity for outsiders, never a blocked member."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from guilde.accounts.models import Block
from guilde.communities.models import Community, Tag
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import assert_constant_queries, run_queued_tasks
from guilde.discussions import services as discussions
from guilde.people import evidence

pytestmark = pytest.mark.django_db


def _answered(community, tag: str, answerer, title: str = "Which ones for a pale ale?"):
    asker = member_of(community)
    thread = discussions.thread_create(
        actor=asker, community=community, kind="question", title=title, body="?", tags=[tag]
    )
    post = discussions.post_create(actor=answerer, thread=thread, body="These.")
    return thread, post


@pytest.fixture
def world():
    public = CommunityFactory.create(slug="brewers", name="Brewers")
    secret = CommunityFactory.create(
        slug="cellar", name="Cellar", visibility=Community.Visibility.PRIVATE
    )
    Tag.objects.create(community=public, slug="hops", name="Hops")
    Tag.objects.create(community=secret, slug="hops", name="Hops")
    ann = member_of(public, username="ann", display_name="Ann Public")
    zed = member_of(secret, username="zed", display_name="Zed Secret")
    thread, post = _answered(public, "hops", ann)
    discussions.answer_accept(actor=thread.author, thread=thread, post=post)
    _answered(secret, "hops", zed)
    _answered(secret, "hops", zed, "Bittering hops?")
    evidence.refresh()
    return {"public": public, "secret": secret, "ann": ann, "zed": zed}


def _names(client: Client, q: str = "who knows about hops?") -> list[str]:
    body = client.get("/api/v1/experts", {"q": q}).json()
    return [expert["username"] for expert in body["experts"]]


def test_who_knows_ranks_from_the_evidence_the_viewer_may_see(world):
    visitor = Client()
    body = visitor.get("/api/v1/experts", {"q": "who knows about HOPS?"}).json()
    assert body["tags"] == ["hops"]
    assert [e["username"] for e in body["experts"]] == ["ann"]  # not the private one's Zed
    ann = body["experts"][0]
    assert (ann["answers"], ann["accepted"], ann["on_topic"]) == (
        1,
        1,
        [{"tag": "hops", "answers": 1}],
    )
    assert ann["reason"].startswith("1 answer on #hops; 1 accepted answer; last answer on")
    assert "Cellar" not in str(body)
    assert "Zed" not in str(body)

    insider = Client()
    insider.force_login(member_of(world["secret"]))
    assert set(_names(insider)) == {"zed", "ann"}  # and the cellar's own #hops counts
    # One community only; an unknown one finds nobody.
    only = insider.get("/api/v1/experts", {"q": "hops", "community": "brewers"}).json()
    assert [e["username"] for e in only["experts"]] == ["ann"]
    assert insider.get("/api/v1/experts", {"q": "hops", "community": "x"}).json()["experts"] == []
    # Nothing named, nobody.
    assert visitor.get("/api/v1/experts", {"q": "lagers"}).json() == {"tags": [], "experts": []}


def test_the_viewer_and_blocked_members_are_left_out(world):
    client = Client()
    client.force_login(world["ann"])
    assert "ann" not in _names(client)
    reader = member_of(world["secret"])
    client.force_login(reader)
    Block.objects.create(blocker=reader, blocked=world["zed"])
    assert _names(client) == ["ann"]
    Block.objects.all().delete()
    Block.objects.create(blocker=world["zed"], blocked=reader)
    assert _names(client) == ["ann"]


def test_the_page_says_why_in_english_and_french(world):
    client = Client()
    html = client.get("/people/experts/", {"q": "hops"}).content.decode()
    assert "Ann Public" in html
    assert "1 answer on #hops" in html
    assert "Zed Secret" not in html
    french = client.get("/people/experts/", {"q": "hops"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert "1 réponse sur #hops" in french.content.decode()
    assert "Qui s’y connaît" in french.content.decode()


def test_who_knows_costs_the_same_queries_for_1_or_10_members(world):
    made: list[int] = []

    def setup(n: int) -> None:
        while len(made) < n:
            answerer = member_of(world["public"])
            _answered(world["public"], "hops", answerer, f"Hops question {len(made)}")
            made.append(answerer.pk)
        evidence.refresh()

    client = Client()
    assert_constant_queries(
        setup=setup, action=lambda: client.get("/api/v1/experts", {"q": "hops"}), large=10
    )
    made.clear()
    assert_constant_queries(
        setup=setup, action=lambda: client.get("/people/experts/", {"q": "hops"}), large=10
    )


def test_a_topic_no_tag_names_ranks_those_who_answered_matching_questions(world):
    public, secret = world["public"], world["secret"]
    baker = member_of(public, username="baker", display_name="Bea Baker")
    hidden = member_of(secret, username="hidden-baker", display_name="Hidden Baker")
    for community, answerer, title in (
        (public, baker, "Keeping a sourdough starter alive"),
        (public, baker, "Sourdough starter smells of acetone"),
        (secret, hidden, "Sourdough starter in the cellar"),
    ):
        thread = discussions.thread_create(
            actor=member_of(community), community=community, kind="question", title=title,
            body="How?",
        )  # fmt: skip
        discussions.post_create(actor=answerer, thread=thread, body="Feed it.")
    run_queued_tasks()
    body = Client().get("/api/v1/experts", {"q": "sourdough starter"}).json()
    assert body["tags"] == []
    assert [e["username"] for e in body["experts"]] == ["baker"]
    assert body["experts"][0]["reason"].startswith("2 answers to questions like this")
    insider = Client()
    insider.force_login(member_of(secret))
    assert {e["username"] for e in _experts(insider, "sourdough starter")} == {
        "baker",
        "hidden-baker",
    }
    page = Client().get("/people/experts/", {"q": "sourdough starter"}).content.decode()
    assert "Bea Baker" in page
    assert "Hidden Baker" not in page


def _experts(client: Client, q: str) -> list[dict[str, Any]]:
    experts: list[dict[str, Any]] = client.get("/api/v1/experts", {"q": q}).json()["experts"]
    return experts
