"""Stored evidence ranks as the expertise service does at the moment it was stored;
articles, events, mentoring and endorsements count; endorsements of hidden skills never
do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from guilde.accounts import services as accounts
from guilde.accounts.tests.factories import set_profile
from guilde.communities.models import Tag
from guilde.communities.tests.factories import CommunityFactory, MembershipFactory, member_of
from guilde.discussions import services as discussions
from guilde.discussions.models import Post, Thread
from guilde.knowledge import services as knowledge
from guilde.mentoring.models import Application, Match, Programme, Relationship
from guilde.mentoring.tests.factories import ProgrammeFactory, applicant, pair, relationship_for
from guilde.people import evidence, services
from guilde.people.expertise import experts, mentoring_as_of
from guilde.people.models import Endorsement, EvidenceSnapshot, TopicEvidence

pytestmark = pytest.mark.django_db


def _question(community, tags, answerers, *, accept=None, votes=0, days_ago=0):
    asker = member_of(community)
    thread = discussions.thread_create(
        actor=asker, community=community, kind="question", title="Q?", body="?", tags=tags
    )
    posts = [discussions.post_create(actor=a, thread=thread, body="A.") for a in answerers]
    for post in posts[:1]:
        for _ in range(votes):
            discussions.vote_set(actor=member_of(community), post=post, value=1)
    if accept is not None:
        discussions.answer_accept(actor=asker, thread=thread, post=posts[accept])
    if days_ago:
        then = timezone.now() - timedelta(days=days_ago)
        Post.objects.filter(thread=thread).update(created_at=then)
        Thread.objects.filter(pk=thread.pk).update(created_at=then)
    return thread


@pytest.fixture
def brewers():
    community = CommunityFactory.create(slug="brewers")
    for slug in ("hops", "yeast", "water"):
        Tag.objects.create(community=community, slug=slug, name=slug.title())
    people = [member_of(community, username=f"m{i}") for i in range(5)]
    _question(community, ["hops"], people[:2], accept=1, votes=2)
    _question(community, ["hops", "yeast"], people[1:4], votes=1, days_ago=30)
    _question(community, ["yeast"], people[2:], accept=0, days_ago=3)
    _question(community, ["water"], [people[0], people[4]], votes=3, days_ago=200)
    _question(community, [], people[3:], days_ago=1)
    writer = people[4]
    article = knowledge.article_create(
        actor=writer,
        community=community,
        kind="guide",
        title="Dry hopping",
        body="How.",
        tags=["hops"],
        publish_now=True,
    )
    coordinator = member_of(community, role="coordinator")
    knowledge.article_verify(actor=coordinator, article=article)
    return community, people


def _assert_stored_ranks_as_live(community, snapshot):
    for topic in (["hops"], ["yeast"], ["hops", "water"], ["hops", "yeast", "water"]):
        tags = list(Tag.objects.filter(slug__in=topic).values_list("pk", flat=True))
        live = [
            e
            for e in experts(communities=[community.pk], tags=tags, as_of=snapshot.computed_at)
            if e.topical
        ]
        stored = evidence.ranked(communities=[community.pk], tags=tags)
        assert [e.member_id for e in stored] == [e.member_id for e in live], topic
        for one, other in zip(stored, live, strict=True):
            assert one.score == pytest.approx(other.score)
            assert (one.answers, one.accepted, one.upvotes) == (
                other.answers,
                other.accepted,
                other.upvotes,
            )
            assert (one.articles, one.verified) == (other.articles, other.verified)
            assert (one.events, one.mentored) == (other.events, other.mentored)
            assert +one.on_topic == +other.on_topic
            assert +one.articles_on_topic == +other.articles_on_topic
            assert +one.events_on_topic == +other.events_on_topic
            assert +one.mentored_on_topic == +other.mentored_on_topic


def test_stored_evidence_ranks_as_the_service_does_when_it_was_stored(brewers):
    community, _people = brewers
    _assert_stored_ranks_as_live(community, evidence.refresh())


def test_a_verified_article_is_evidence_on_its_tags(brewers):
    community, people = brewers
    evidence.refresh()
    hops = Tag.objects.get(slug="hops")
    writer = next(
        e for e in evidence.ranked(communities=[community.pk], tags=[hops.pk]) if e.articles
    )
    assert writer.member_id == people[4].pk
    assert (writer.articles, writer.verified, writer.articles_on_topic[hops.pk]) == (1, 1, 1)


def test_endorsements_count_only_for_skills_shown_to_everyone(brewers):
    community, people = brewers
    newcomer = member_of(community, username="newcomer")
    accounts.skills_set(actor=newcomer, member=newcomer, kind="skill", names=["Water"])
    for endorser in people[:3]:
        services.endorse(actor=endorser, member=newcomer, skill_slug="water")
    evidence.refresh()
    water = Tag.objects.get(slug="water")
    found = {e.member_id: e for e in evidence.ranked(communities=[community.pk], tags=[water.pk])}
    assert found[newcomer.pk].endorsements == 3
    # Skills shown to members of their communities only: the endorsements no longer rank.
    set_profile(newcomer, field_visibility={"skills": "communities"})
    found = {e.member_id: e for e in evidence.ranked(communities=[community.pk], tags=[water.pk])}
    assert newcomer.pk not in found
    assert Endorsement.objects.count() == 3


def test_nothing_is_ranked_before_the_first_refresh(brewers):
    community, _people = brewers
    assert evidence.ranked(communities=[community.pk], tags=[Tag.objects.get(slug="hops").pk]) == []


def test_the_refresh_replaces_what_was_stored(brewers):
    community, people = brewers
    evidence.refresh()
    hops = Tag.objects.get(slug="hops")
    before = {e.member_id for e in evidence.ranked(communities=[community.pk], tags=[hops.pk])}
    _question(community, ["hops"], [member_of(community, username="late")])
    evidence.refresh()
    after = {e.member_id for e in evidence.ranked(communities=[community.pk], tags=[hops.pk])}
    assert after - before == {Post.objects.get(author__username="late").author_id}
    assert people[0].pk in after


def test_across_communities_the_scores_of_each_add_up(brewers):
    community, people = brewers
    other = CommunityFactory.create(slug="cellar")
    Tag.objects.create(community=other, slug="hops", name="Hops")
    for member in people[:3]:
        MembershipFactory.create(community=other, member=member)
    _question(other, ["hops"], people[2:3], accept=0)
    _question(other, [], people[:1])
    snapshot = evidence.refresh()
    tags = list(Tag.objects.filter(slug="hops").values_list("pk", flat=True))
    expected: dict[int, float] = {}
    for one in (community, other):
        for expert in experts(communities=[one.pk], tags=tags, as_of=snapshot.computed_at):
            if expert.topical:
                expected[expert.member_id] = expected.get(expert.member_id, 0.0) + expert.score
    stored = evidence.ranked(communities=[community.pk, other.pk], tags=tags)
    assert {e.member_id: e.score for e in stored} == pytest.approx(expected)
    # Activity in a community where a member has nothing on the topic does not count.
    first = next(e for e in stored if e.member_id == people[0].pk)
    assert first.answers == sum(
        e.answers
        for e in experts(communities=[community.pk], tags=tags)
        if e.member_id == people[0].pk
    )


def test_pages_read_the_latest_complete_snapshot_and_a_refresh_forgets_the_others(brewers):
    community, _people = brewers
    hops = Tag.objects.get(slug="hops").pk
    first = evidence.refresh()
    # A refresh under way (its rows not all written) is not read.
    EvidenceSnapshot.objects.create(computed_at=first.computed_at + timedelta(microseconds=1))
    assert evidence.current() == first
    assert evidence.ranked(communities=[community.pk], tags=[hops])
    second = evidence.refresh()
    assert list(EvidenceSnapshot.objects.all()) == [second]
    assert TopicEvidence.objects.exclude(snapshot=second).count() == 0
    assert evidence.topics().count() == TopicEvidence.objects.count() > 0


def test_hosting_an_event_is_evidence_on_its_tags_stored_as_the_service_counts_it(brewers):
    from guilde.events import services as event_services
    from guilde.events.models import Event

    community, people = brewers
    host = people[-1]
    start = timezone.now() - timedelta(days=3)
    event = event_services.event_create(
        actor=host,
        community=community,
        data=event_services.EventInput(
            title="Dry hopping clinic", start=start, end=start + timedelta(hours=2),
            time_zone="Europe/Paris", format="online", tags=["hops"],
        ),
    )  # fmt: skip
    cancelled = event_services.event_create(
        actor=host,
        community=community,
        data=event_services.EventInput(
            title="Cancelled", start=start, end=start + timedelta(hours=1),
            time_zone="Europe/Paris", format="online", tags=["hops"],
        ),
    )  # fmt: skip
    Event.objects.filter(pk=cancelled.pk).update(status=Event.Status.CANCELLED)
    hops = community.tags.get(slug="hops")
    live = {e.member_id: e for e in experts(communities=[community.pk], tags=[hops.pk])}
    assert live[host.pk].events == 1
    assert live[host.pk].events_on_topic[hops.pk] == 1
    evidence.refresh()
    stored = {e.member_id: e for e in evidence.ranked(communities=[community.pk], tags=[hops.pk])}
    assert stored[host.pk].events == 1
    assert stored[host.pk].score == pytest.approx(live[host.pk].score)
    assert event.pk


def _mentored(community, mentor, *, offered, wanted, days_ago=0, programme=None) -> Relationship:
    """A relationship of ``mentor`` (offering ``offered``) with a new mentee wanting
    ``wanted``, both having accepted their pair, started ``days_ago``."""
    programme = programme or ProgrammeFactory.create(
        community=community, status=Programme.Status.RUNNING
    )
    match = pair(
        programme,
        mentor=applicant(programme, Application.Role.MENTOR, member=mentor, topics=offered),
        mentee=applicant(programme, Application.Role.MENTEE, topics=wanted),
        status=Match.Status.PUBLISHED,
    )
    relationship = relationship_for(match)
    if days_ago:
        started = timezone.now() - timedelta(days=days_ago)
        Relationship.objects.filter(pk=relationship.pk).update(started_at=started)
        relationship.refresh_from_db()
    return relationship


def test_a_mentor_ranks_on_the_topics_they_mentored_and_the_reason_says_so(brewers):
    community, _people = brewers
    mentor = member_of(community, username="mentor")
    # Offered #hops and #yeast, the mentee wanted #hops and #water: mentored on #hops.
    _mentored(community, mentor, offered=["hops", "yeast"], wanted=["hops", "water"], days_ago=2)
    hops, water = (Tag.objects.get(slug=slug) for slug in ("hops", "water"))
    live = {e.member_id: e for e in experts(communities=[community.pk], tags=[hops.pk])}
    assert live[mentor.pk].mentored == 1
    assert live[mentor.pk].mentored_on_topic == {hops.pk: 1}
    assert live[mentor.pk].topical
    on_water = {e.member_id: e for e in experts(communities=[community.pk], tags=[water.pk])}
    assert not on_water[mentor.pk].topical  # active here, but not on #water

    evidence.refresh()
    body = Client().get("/api/v1/experts", {"q": "who knows about hops?"}).json()
    found = {e["username"]: e for e in body["experts"]}
    assert found["mentor"]["mentored"] == 1
    assert found["mentor"]["events"] == 0
    assert found["mentor"]["reason"] == "1 mentee mentored on #hops"
    assert all(e["mentored"] == 0 for name, e in found.items() if name != "mentor")
    topics = Client().get("/api/v1/members/mentor/expertise").json()["topics"]
    assert [(t["topic"], t["mentored"], t["reason"]) for t in topics] == [
        ("hops", 1, "1 mentee mentored")
    ]


def test_mentoring_counts_on_the_mentees_topics_when_the_mentor_offered_none_of_them(brewers):
    community, people = brewers
    mentor = people[0]
    other = CommunityFactory.create(slug="cellar")
    elsewhere = Tag.objects.create(community=other, slug="cellar-hops", name="Cellar hops")
    first = _mentored(community, mentor, offered=["yeast"], wanted=["water"], days_ago=5)
    second = _mentored(community, mentor, offered=["yeast"], wanted=["water", "hops"])
    # A topic of another community on an application never counts in this one.
    Application.objects.get(pk=second.match.mentee_id).skills.add(elsewhere)
    found = {
        (m.started_at, m.tags)
        for m in mentoring_as_of([community.pk], timezone.now())
        if m.member_id == mentor.pk
    }
    water, hops = (Tag.objects.get(community=community, slug=slug).pk for slug in ("water", "hops"))
    assert found == {
        (first.started_at, frozenset({water})),
        (second.started_at, frozenset({water, hops})),
    }
    assert list(mentoring_as_of([other.pk], timezone.now())) == []


def test_only_mentoring_started_before_the_moment_counts_and_never_the_excluded(brewers):
    community, people = brewers
    relationship = _mentored(community, people[1], offered=["hops"], wanted=["hops"], days_ago=3)
    Relationship.objects.filter(pk=relationship.pk).update(status=Relationship.Status.FINISHED)
    now = timezone.now()
    assert [m.member_id for m in mentoring_as_of([community.pk], now)] == [people[1].pk]
    assert list(mentoring_as_of([community.pk], now - timedelta(days=4))) == []
    assert list(mentoring_as_of([community.pk], now, exclude=[people[1].pk])) == []
    # Recent mentoring counts more: (1 + MENTORED) × recency, as an article.
    (one,) = mentoring_as_of([community.pk], now)
    (older,) = mentoring_as_of([community.pk], now + timedelta(days=30))
    assert 0 < older.strength < one.strength < 3.0


def test_mentoring_evidence_costs_the_same_queries_however_many_relationships(
    brewers, django_assert_num_queries
):
    community, people = brewers
    programme = ProgrammeFactory.create(community=community, status=Programme.Status.RUNNING)
    _mentored(community, people[0], offered=["hops"], wanted=["hops"], programme=programme)
    with django_assert_num_queries(2):
        assert len(list(mentoring_as_of([community.pk], timezone.now()))) == 1
    for mentor in people[1:]:
        _mentored(community, mentor, offered=["yeast"], wanted=["water"], programme=programme)
    with django_assert_num_queries(2):
        assert len(list(mentoring_as_of([community.pk], timezone.now()))) == len(people)


def test_stored_evidence_with_mentoring_ranks_as_the_service_does(brewers):
    community, people = brewers
    _mentored(community, people[0], offered=["hops"], wanted=["hops", "yeast"], days_ago=10)
    _mentored(community, people[3], offered=["yeast"], wanted=["water"], days_ago=1)
    _mentored(community, member_of(community), offered=["water"], wanted=["water"])
    snapshot = evidence.refresh()
    assert sum(e.mentored for e in experts(communities=[community.pk])) == 3
    _assert_stored_ranks_as_live(community, snapshot)
