"""Stored evidence: what :func:`guilde.people.expertise.experts` computes, kept per member
and community and per member and tag, so that a page ranks experts without reading every
answer.

The score of :mod:`guilde.people.expertise` adds, per answer or article,
``(Σ weight(tag) over its topical tags + ACTIVITY) × strength`` (likewise per event and
per mentee mentored); so a member's score for a
topic is ``Σ weight(t) × S(t) + ACTIVITY × A`` where ``S(t)`` sums the strengths of their
evidence tagged ``t`` and ``A`` of all their evidence in the communities. :func:`refresh`
stores ``S`` and ``A`` (and the question counts the weights need) as of now; the scheduler
runs it every hour. :func:`ranked` reads them: it gives the ranking ``experts`` would give
at the refresh (a test holds the two equal), endorsements being counted as they are now.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Model, QuerySet
from django.utils import timezone

from guilde.communities.models import Community, Tag
from guilde.discussions.models import Thread
from guilde.people.expertise import (
    ACTIVITY,
    Expert,
    _tags_of_questions,
    answers_as_of,
    articles_as_of,
    endorsement_weight,
    endorsements_as_of,
    events_as_of,
    mentoring_as_of,
    rank,
)
from guilde.people.models import ActivityEvidence, EvidenceSnapshot, TopicEvidence

BATCH = 2000


@dataclass(slots=True)
class _Sums:
    answers: int = 0
    accepted: int = 0
    upvotes: int = 0
    articles: int = 0
    verified: int = 0
    events: int = 0
    mentored: int = 0
    strength: float = 0.0
    last_at: datetime | None = None

    def add_answer(self, accepted: bool, upvotes: int, strength: float, at: datetime) -> None:
        self.answers += 1
        self.accepted += accepted
        self.upvotes += upvotes
        self.strength += strength
        if self.last_at is None or at > self.last_at:
            self.last_at = at

    def add_article(self, verified: bool, strength: float) -> None:
        self.articles += 1
        self.verified += verified
        self.strength += strength

    def add_event(self, strength: float) -> None:
        self.events += 1
        self.strength += strength

    def add_mentee(self, strength: float) -> None:
        self.mentored += 1
        self.strength += strength

    def fields(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__slots__}


def _write(model: type[Model], rows: Iterable[Model]) -> None:
    """Insert ``rows`` a batch at a time, each batch its own short transaction: writers
    elsewhere never wait long (bulk_create of all would also hold them all in memory)."""
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, BATCH)):
        model._default_manager.bulk_create(batch)


def current() -> EvidenceSnapshot | None:
    """The latest complete snapshot, the one pages read."""
    return EvidenceSnapshot.objects.filter(complete=True).order_by("-computed_at", "-pk").first()


def topics() -> QuerySet[TopicEvidence]:
    """The current snapshot's evidence per member and tag (none before the first)."""
    return TopicEvidence.objects.filter(snapshot=current())


def refresh(as_of: datetime | None = None) -> EvidenceSnapshot:
    """Recompute the stored evidence of every community as of ``as_of`` (now)."""
    as_of = as_of or timezone.now()
    communities = list(
        Community.objects.exclude(status=Community.Status.DELETED).values_list("pk", flat=True)
    )
    asked = _tags_of_questions(communities, as_of)
    activity: dict[tuple[int, int], _Sums] = defaultdict(_Sums)
    topics: dict[tuple[int, int], _Sums] = defaultdict(_Sums)
    questions: Counter[int] = Counter()
    for answer in answers_as_of(communities, as_of):
        activity[answer.member_id, answer.community_id].add_answer(
            answer.accepted, answer.upvotes, answer.strength, answer.created_at
        )
        for tag in asked.get(answer.thread_id, ()):
            topics[answer.member_id, tag].add_answer(
                answer.accepted, answer.upvotes, answer.strength, answer.created_at
            )
    for article in articles_as_of(communities, as_of):
        activity[article.member_id, article.community_id].add_article(
            article.verified, article.strength
        )
        for tag in article.tags:
            topics[article.member_id, tag].add_article(article.verified, article.strength)
    for hosted in events_as_of(communities, as_of):
        activity[hosted.member_id, hosted.community_id].add_event(hosted.strength)
        for tag in hosted.tags:
            topics[hosted.member_id, tag].add_event(hosted.strength)
    for mentoring in mentoring_as_of(communities, as_of):
        activity[mentoring.member_id, mentoring.community_id].add_mentee(mentoring.strength)
        for tag in mentoring.tags:
            topics[mentoring.member_id, tag].add_mentee(mentoring.strength)
    for community, count in (
        Thread.tags.through.objects.filter(
            thread__community_id__in=communities,
            thread__kind=Thread.Kind.QUESTION,
            thread__created_at__lt=as_of,
        )
        .values_list("thread__community_id")
        .order_by()
        .annotate(n=Count("thread_id", distinct=True))
    ):
        questions[community] = count
    tagged = Counter(tag for tags in asked.values() for tag in tags)
    snapshot = EvidenceSnapshot.objects.create(
        computed_at=as_of,
        questions={str(k): v for k, v in questions.items()},
        tagged={str(k): v for k, v in tagged.items()},
    )
    _write(
        ActivityEvidence,
        (
            ActivityEvidence(
                snapshot=snapshot, member_id=member, community_id=community, **sums.fields()
            )
            for (member, community), sums in activity.items()
        ),
    )
    community_of = dict(
        Tag.objects.filter(community_id__in=communities).values_list("pk", "community_id")
    )
    _write(
        TopicEvidence,
        (
            TopicEvidence(
                snapshot=snapshot,
                member_id=member,
                tag_id=tag,
                community_id=community_of[tag],
                activity=activity[member, community_of[tag]].strength,
                **sums.fields(),
            )
            for (member, tag), sums in topics.items()
        ),
    )
    EvidenceSnapshot.objects.filter(pk=snapshot.pk).update(complete=True)
    snapshot.complete = True
    _forget_older(snapshot)
    return snapshot


def _forget_older(kept: EvidenceSnapshot) -> None:
    """Delete the snapshots computed before ``kept`` (complete, or left incomplete by a
    refresh that failed), their rows a batch at a time."""
    older = EvidenceSnapshot.objects.filter(computed_at__lte=kept.computed_at).exclude(pk=kept.pk)
    for old in older.values_list("pk", flat=True):
        for model in (TopicEvidence, ActivityEvidence):
            rows = model._default_manager.filter(snapshot_id=old)
            while ids := list(rows.values_list("pk", flat=True)[:BATCH]):
                model._default_manager.filter(pk__in=ids).delete()
        EvidenceSnapshot.objects.filter(pk=old).delete()


def ranked(
    *,
    communities: list[int],
    tags: Iterable[int],
    exclude: Iterable[int] = (),
    limit: int | None = None,
) -> list[Expert]:
    """Members with evidence on ``tags`` in ``communities``, best first, from the stored
    evidence (none before the first refresh).

    Across communities, a member's score is the sum of their scores in each community
    where they have evidence on the topic — what :func:`experts` gives for that community
    alone and the topic's tags there. In one community, exactly ``experts``' ranking at
    the refresh. Every member with evidence on the topic is scored from one table; the
    best few (and the members endorsed on the topic) are then read in full."""
    snapshot = current()
    topic = set(tags)
    if snapshot is None or not topic:
        return []
    tag_community = dict(
        Tag.objects.filter(pk__in=topic, community_id__in=communities).values_list(
            "pk", "community_id"
        )
    )
    weight = _weights(snapshot, tag_community)
    excluded = set(exclude)
    endorsed = {
        member: count
        for member, count in endorsements_as_of(topic, snapshot.computed_at).items()
        if member not in excluded
    }
    scores: dict[int, float] = {}
    counted: set[tuple[int, int]] = set()
    rows = (
        TopicEvidence.objects.filter(snapshot=snapshot, tag_id__in=tag_community)
        .exclude(member_id__in=excluded)
        .values_list("member_id", "tag_id", "community_id", "strength", "activity")
    )
    for member, tag, community, strength, activity in rows:
        score = scores.get(member, 0.0) + weight.get(tag, 0.0) * strength
        if (member, community) not in counted:
            counted.add((member, community))
            score += ACTIVITY * activity
        scores[member] = score
    best = sorted(scores, key=lambda member: -scores[member])
    # Equal scores are ordered by the last answer, read with the details: take a margin.
    candidates = set(best if limit is None else best[: limit * 3]) | set(endorsed)
    found = _evidence_of(snapshot, candidates, tag_community, weight)
    for member, count in endorsed.items():
        expert = found.setdefault(member, Expert(member))
        expert.endorsements = count
        expert.score += endorsement_weight(weight) * count
    result = rank(found.values(), snapshot.computed_at)
    return result[:limit] if limit is not None else result


def _weights(snapshot: EvidenceSnapshot, tag_community: dict[int, int]) -> dict[int, float]:
    """Each tag's weight in its community, ``log(1 + N / df)`` as :func:`experts` has it."""
    weight = {}
    for tag, community in tag_community.items():
        tagged = int(snapshot.tagged.get(str(tag), 0))
        if tagged:
            weight[tag] = math.log(1 + int(snapshot.questions.get(str(community), 0)) / tagged)
    return weight


def _evidence_of(
    snapshot: EvidenceSnapshot,
    members: set[int],
    tag_community: dict[int, int],
    weight: dict[int, float],
) -> dict[int, Expert]:
    """The stored evidence of ``members`` on the topic's tags and in the communities where
    they have some: their score and figures."""
    found: dict[int, Expert] = {}
    if not members:
        return found
    where: set[tuple[int, int]] = set()
    on_topic = TopicEvidence.objects.filter(
        snapshot=snapshot, member_id__in=members, tag_id__in=tag_community
    ).values_list(
        "member_id",
        "tag_id",
        "community_id",
        "answers",
        "articles",
        "events",
        "mentored",
        "strength",
    )
    for member, tag, community, answers, articles, events, mentored, strength in on_topic:
        expert = found.setdefault(member, Expert(member))
        expert.score += weight.get(tag, 0.0) * strength
        where.add((member, community))
        if answers:
            expert.on_topic[tag] = answers
        if articles:
            expert.articles_on_topic[tag] = articles
        if events:
            expert.events_on_topic[tag] = events
        if mentored:
            expert.mentored_on_topic[tag] = mentored
    activity = ActivityEvidence.objects.filter(
        snapshot=snapshot,
        member_id__in={member for member, _c in where},
        community_id__in={community for _m, community in where},
    ).values_list(
        "member_id",
        "community_id",
        "answers",
        "accepted",
        "upvotes",
        "articles",
        "verified",
        "events",
        "mentored",
        "strength",
        "last_at",
    )
    for (
        member,
        community,
        answers,
        accepted,
        upvotes,
        articles,
        verified,
        events,
        mentored,
        strength,
        last_at,
    ) in activity:
        if (member, community) not in where:
            continue
        expert = found[member]
        expert.score += ACTIVITY * strength
        expert.answers += answers
        expert.accepted += accepted
        expert.upvotes += upvotes
        expert.articles += articles
        expert.verified += verified
        expert.events += events
        expert.mentored += mentored
        if last_at and (expert.last_answer_at is None or last_at > expert.last_answer_at):
            expert.last_answer_at = last_at
    return found
