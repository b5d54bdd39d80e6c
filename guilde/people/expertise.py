"""Who knows about a topic: members ranked by evidence, as of a date.

The evidence is what members did in the communities given, before ``as_of`` and nothing
later: their answers to questions (a reply in a question thread), whether the asker had
accepted them by then, and the upvotes they had received by then. Each answer counts

    (topical relevance + ACTIVITY) × quality × recency

- **topical relevance**: the tags the answered question shares with the topic, each
  weighed by how rare it was among the questions asked so far (``log(1 + N / df)``): an
  answer on #wild-yeast says more about wild yeast than one on #beer;
- **ACTIVITY**: an answer off the topic still shows someone who answers questions here;
- **quality**: ``1 + ACCEPTED`` when accepted, ``+ UPVOTE`` per upvote;
- **recency**: ``1 / (1 + age / RECENCY_DAYS)``: who answered last week is around to
  answer now; last year's answers still count, less.

The constants were chosen on the issue's evaluation itself (the beer dump,
``guilde eval-experts``): its figures are in-sample (docs/people.md). Every figure an
:class:`Expert` carries is the evidence behind its score, so a page can say why.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from guilde.discussions.models import Post, Thread

RECENCY_DAYS = 7.0
ACTIVITY = 3.0
ACCEPTED = 2.0
UPVOTE = 0.25


@dataclass
class Expert:
    member_id: int
    score: float = 0.0
    answers: int = 0
    accepted: int = 0
    upvotes: int = 0
    # Answers on each of the topic's tags (tag id -> count).
    on_topic: Counter[int] = field(default_factory=Counter)
    last_answer_at: datetime | None = None


def _tags_of_questions(communities: list[int], as_of: datetime) -> dict[int, set[int]]:
    """The tags of every question asked in ``communities`` before ``as_of``."""
    tags: dict[int, set[int]] = defaultdict(set)
    for thread_id, tag_id in Thread.tags.through.objects.filter(
        thread__community_id__in=communities,
        thread__kind=Thread.Kind.QUESTION,
        thread__created_at__lt=as_of,
    ).values_list("thread_id", "tag_id"):
        tags[thread_id].add(tag_id)
    return tags


def _answers(communities: list[int], as_of: datetime, exclude: Iterable[int]) -> QuerySet[Post]:
    """The answers that count as evidence at ``as_of``: visible replies in visible question
    threads of ``communities``, written before it by a known member not in ``exclude``."""
    return (
        Post.objects.visible()
        .filter(
            thread__community_id__in=communities,
            thread__kind=Thread.Kind.QUESTION,
            thread__deleted_at__isnull=True,
            thread__hidden_at__isnull=True,
            position__gt=1,
            author__isnull=False,
            created_at__lt=as_of,
        )
        .exclude(author_id__in=list(exclude))
    )


def experts(
    *,
    communities: list[int],
    tags: Iterable[int] = (),
    as_of: datetime | None = None,
    exclude: Iterable[int] = (),
    limit: int | None = None,
) -> list[Expert]:
    """Members who answered questions in ``communities`` before ``as_of`` (now when not
    given), best first for a topic of ``tags``; ``exclude``: members left out (the asker).
    Equal scores: the member who answered last first."""
    as_of = as_of or timezone.now()
    topic = set(tags)
    answers = (
        _answers(communities, as_of, exclude)
        .annotate(upvotes=Count("votes", filter=Q(votes__value__gt=0, votes__created_at__lt=as_of)))
        .values_list(
            "author_id",
            "thread_id",
            "created_at",
            "upvotes",
            "thread__accepted_post_id",
            "thread__accepted_at",
            "pk",
        )
    )
    asked = _tags_of_questions(communities, as_of) if topic else {}
    frequency = Counter(tag for found in asked.values() for tag in found)
    weight = {tag: math.log(1 + len(asked) / frequency[tag]) for tag in topic if frequency[tag]}
    found: dict[int, Expert] = {}
    for member, thread, created, upvotes, accepted_post, accepted_at, pk in answers:
        expert = found.setdefault(member, Expert(member))
        shared = topic & asked.get(thread, set())
        accepted = accepted_post == pk and accepted_at is not None and accepted_at < as_of
        quality = 1.0 + (ACCEPTED if accepted else 0.0) + UPVOTE * upvotes
        recency = 1.0 / (1.0 + (as_of - created).total_seconds() / 86400 / RECENCY_DAYS)
        relevance = sum(weight.get(tag, 0.0) for tag in shared)
        expert.score += (relevance + ACTIVITY) * quality * recency
        expert.answers += 1
        expert.accepted += accepted
        expert.upvotes += upvotes
        expert.on_topic.update(shared)
        if expert.last_answer_at is None or created > expert.last_answer_at:
            expert.last_answer_at = created
    ranked = sorted(
        found.values(),
        key=lambda e: (-e.score, -(e.last_answer_at or as_of).timestamp(), e.member_id),
    )
    return ranked[:limit] if limit is not None else ranked


def by_activity(
    *, communities: list[int], as_of: datetime, exclude: Iterable[int] = ()
) -> list[int]:
    """The baseline: members with an earlier answer, by their number of answers so far
    (equal counts: lower id first)."""
    counts = Counter(_answers(communities, as_of, exclude).values_list("author_id", flat=True))
    return [member for member, _n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
