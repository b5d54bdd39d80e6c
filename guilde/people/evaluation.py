"""The expert-finding evaluation (``guilde eval-experts DUMP [--baseline]``).

A Stack Exchange dump says who answered each question, and which answer the asker
accepted: a good ranking of members puts the accepted answer's author first, from what was
known when the question was asked. The protocol:

- questions: those with an accepted answer whose author is known and is not the asker,
  in date order;
- ranking: the members ranked for each question, through :func:`guilde.people.expertise.
  experts` — the service the product uses — called with the question's tags and its
  creation as ``as_of``, so only earlier posts, votes (dated at the end of their day by
  the importer) and acceptances (set before the question) count; the asker is left out;
- score: the accepted answerer's rank (a question whose answerer is not ranked is a miss,
  reciprocal rank 0), summed up as precision at 1 and mean reciprocal rank;
- ``--baseline``: the members with at least one earlier answer, by their number of answers
  so far (:func:`guilde.people.expertise.by_activity`).

When the database does not hold the dump, it is imported into a throwaway database first
(:func:`guilde.search.evaluation.in_throwaway`), synchronously.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from django.db.models import F

from guilde.discussions.models import Thread
from guilde.people.expertise import by_activity, experts
from guilde.search import evaluation as search_evaluation

METHODS = ("expertise", "baseline")


@dataclass(frozen=True)
class Question:
    thread: int
    community: int
    asked_at: datetime
    asker: int | None
    answerer: int
    tags: frozenset[int]


@dataclass(frozen=True)
class Summary:
    questions: int
    p_at_1: float
    mrr: float
    method: str

    def json_line(self) -> str:
        return json.dumps(asdict(self))


def questions(path: Path) -> list[Question]:
    """The dump's questions that the protocol ranks, in date order."""
    threads = list(search_evaluation.imported_threads(path).values())
    found = (
        Thread.objects.filter(
            pk__in=threads,
            kind=Thread.Kind.QUESTION,
            accepted_post__isnull=False,
            accepted_post__author__isnull=False,
        )
        .exclude(accepted_post__author=F("author"))
        .order_by("created_at", "pk")
    )
    tags: dict[int, set[int]] = {}
    for thread_id, tag_id in Thread.tags.through.objects.filter(thread_id__in=threads).values_list(
        "thread_id", "tag_id"
    ):
        tags.setdefault(thread_id, set()).add(tag_id)
    return [
        Question(
            thread=pk,
            community=community,
            asked_at=created,
            asker=asker,
            answerer=answerer,
            tags=frozenset(tags.get(pk, ())),
        )
        for pk, community, created, asker, answerer in found.values_list(
            "pk", "community_id", "created_at", "author_id", "accepted_post__author_id"
        )
    ]


def ranked(question: Question, method: str = "expertise") -> list[int]:
    """The members ranked for ``question`` by ``method``, from what was known then."""
    exclude = [question.asker] if question.asker is not None else []
    if method == "baseline":
        return by_activity(
            communities=[question.community], as_of=question.asked_at, exclude=exclude
        )
    return [
        expert.member_id
        for expert in experts(
            communities=[question.community],
            tags=question.tags,
            as_of=question.asked_at,
            exclude=exclude,
        )
    ]


def evaluate(path: Path, method: str = "expertise") -> Summary:
    if not search_evaluation.is_imported(path):
        raise search_evaluation.NotImported(f"{path} is not imported in this database")
    asked = questions(path)
    first = reciprocal = 0.0
    for question in asked:
        members = ranked(question, method)
        if question.answerer in members:
            rank = members.index(question.answerer) + 1
            first += rank == 1
            reciprocal += 1 / rank
    n = len(asked)
    return Summary(
        questions=n,
        p_at_1=round(first / n, 4) if n else 0.0,
        mrr=round(reciprocal / n, 4) if n else 0.0,
        method=method,
    )
