"""Stored evidence: what :func:`guilde.people.expertise.experts` computes, kept per member
and community and per member and tag, so that a page ranks experts without reading every
answer.

The score of :mod:`guilde.people.expertise` adds, per answer or article,
``(Σ weight(tag) over its topical tags + ACTIVITY) × strength``; so a member's score for a
topic is ``Σ weight(t) × S(t) + ACTIVITY × A`` where ``S(t)`` sums the strengths of their
evidence tagged ``t`` and ``A`` of all their evidence in the communities. :func:`refresh`
stores ``S`` and ``A`` (and the question counts the weights need) as of now; the scheduler
runs it every hour. :func:`ranked` reads them: it gives the ranking ``experts`` would give
at the refresh (a test holds the two equal), endorsements being counted as they are now.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Subquery
from django.utils import timezone

from guilde.communities.models import Community
from guilde.discussions.models import Thread
from guilde.people.expertise import (
    ACTIVITY,
    Expert,
    _tags_of_questions,
    answers_as_of,
    articles_as_of,
    endorsement_weight,
    endorsements_as_of,
    rank,
)
from guilde.people.models import ActivityEvidence, EvidenceSnapshot, TopicEvidence

BATCH = 2000


@dataclass
class _Sums:
    answers: int = 0
    accepted: int = 0
    upvotes: int = 0
    articles: int = 0
    verified: int = 0
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

    def fields(self) -> dict[str, object]:
        return dict(vars(self))


@transaction.atomic
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
    ActivityEvidence.objects.all().delete()
    TopicEvidence.objects.all().delete()
    EvidenceSnapshot.objects.all().delete()
    ActivityEvidence.objects.bulk_create(
        (
            ActivityEvidence(member_id=member, community_id=community, **sums.fields())
            for (member, community), sums in activity.items()
        ),
        batch_size=BATCH,
    )
    TopicEvidence.objects.bulk_create(
        (
            TopicEvidence(member_id=member, tag_id=tag, **sums.fields())
            for (member, tag), sums in topics.items()
        ),
        batch_size=BATCH,
    )
    return EvidenceSnapshot.objects.create(
        computed_at=as_of,
        questions={str(k): v for k, v in questions.items()},
        tagged={str(k): v for k, v in tagged.items()},
    )


def ranked(
    *,
    communities: list[int],
    tags: Iterable[int],
    exclude: Iterable[int] = (),
    limit: int | None = None,
) -> list[Expert]:
    """Members with evidence on ``tags`` in ``communities``, best first, from the stored
    evidence (none before the first refresh)."""
    snapshot = EvidenceSnapshot.objects.order_by("-computed_at").first()
    topic = set(tags)
    if snapshot is None or not topic:
        return []
    total = sum(int(snapshot.questions.get(str(c), 0)) for c in communities)
    weight = {
        tag: math.log(1 + total / int(snapshot.tagged[str(tag)]))
        for tag in topic
        if int(snapshot.tagged.get(str(tag), 0))
    }
    excluded = set(exclude)
    found: dict[int, Expert] = {}
    on_topic = TopicEvidence.objects.filter(
        tag_id__in=topic, tag__community_id__in=communities
    ).values_list("member_id", "tag_id", "answers", "articles", "strength")
    for member, tag, answers, articles, strength in on_topic:
        if member in excluded:
            continue
        expert = found.setdefault(member, Expert(member))
        expert.score += weight.get(tag, 0.0) * strength
        if answers:
            expert.on_topic[tag] = answers
        if articles:
            expert.articles_on_topic[tag] = articles
    for member, count in endorsements_as_of(topic, snapshot.computed_at).items():
        if member not in excluded:
            expert = found.setdefault(member, Expert(member))
            expert.endorsements = count
            expert.score += endorsement_weight(weight) * count
    activity = ActivityEvidence.objects.filter(
        community_id__in=communities,
        member_id__in=Subquery(TopicEvidence.objects.filter(tag_id__in=topic).values("member_id")),
    ).values_list(
        "member_id", "answers", "accepted", "upvotes", "articles", "verified", "strength", "last_at"
    )
    for member, answers, accepted, upvotes, articles, verified, strength, last_at in activity:
        known = found.get(member)
        if known is None:
            continue
        expert = known
        expert.score += ACTIVITY * strength
        expert.answers += answers
        expert.accepted += accepted
        expert.upvotes += upvotes
        expert.articles += articles
        expert.verified += verified
        if last_at and (expert.last_answer_at is None or last_at > expert.last_answer_at):
            expert.last_answer_at = last_at
    result = rank(found.values(), snapshot.computed_at)
    return result[:limit] if limit is not None else result
