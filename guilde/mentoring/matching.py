"""The matcher: a globally optimal assignment of mentees to mentors (ADR 7).

Given each pair's score (0–1, from the programme's weighted criteria), which pairs are
allowed at all (hard constraints: a shared language, the organisation rule, people to
avoid, a declined pair), each mentor's capacity and the pairs coordinators locked, it
finds the set of pairs with the greatest total score — every mentee with at most one
mentor, no mentor beyond capacity — by a min-cost flow (OR-Tools), not a greedy loop:

    source ─1→ mentee ─1, −score→ mentor ─capacity→ sink,   source ─→ sink (unmatched)

A pair scoring below the programme's threshold is not an arc, so the mentee rather stays
unmatched. With ``coverage`` the bypass arc goes and the solver maximises the number of
pairs first, then the total among those (``solve_max_flow_with_min_cost``): exact, with no
large bonus constant. Scores are compared as integer micro-points: floating totals of the
same pairs differ in their last digits depending on the order of addition.

This module knows nothing of the database: the programme's service builds the matrices
(``guilde.mentoring.scoring``) and stores what comes out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

SCALE = 1_000_000  # micro-points per point of score


@dataclass(frozen=True)
class Problem:
    """``scores`` and ``allowed`` are mentees × mentors; ``capacities`` per mentor;
    ``locked``: (mentee, mentor) pairs kept as they are, counted in the total."""

    scores: np.ndarray
    allowed: np.ndarray
    capacities: np.ndarray
    locked: tuple[tuple[int, int], ...] = ()
    threshold: float = 0.0
    coverage: bool = False

    def points(self) -> np.ndarray:
        return np.rint(np.asarray(self.scores, dtype=np.float64) * SCALE).astype(np.int64)


@dataclass(frozen=True)
class Assignment:
    pairs: tuple[tuple[int, int], ...]  # (mentee, mentor), by mentee; locked ones included
    total: int  # micro-points
    unmatched: tuple[int, ...] = field(default=())

    @property
    def score(self) -> float:
        return self.total / SCALE


class MatchingError(ValueError):
    """The problem cannot be matched as given (a locked pair beyond capacity, or shapes
    that disagree)."""


def _check(problem: Problem) -> tuple[int, int]:
    mentees, mentors = np.shape(problem.scores)
    if np.shape(problem.allowed) != (mentees, mentors) or len(problem.capacities) != mentors:
        raise MatchingError("scores, allowed and capacities do not describe the same people")
    seen: set[int] = set()
    load = np.zeros(mentors, dtype=np.int64)
    for mentee, mentor in problem.locked:
        if mentee in seen:
            raise MatchingError(f"mentee {mentee} is locked twice")
        seen.add(mentee)
        load[mentor] += 1
    if np.any(load > np.asarray(problem.capacities)):
        raise MatchingError("more locked pairs than a mentor's capacity")
    return mentees, mentors


def solve(problem: Problem) -> Assignment:
    """The optimal assignment (the greatest total; with ``coverage``, the most pairs, then
    the greatest total)."""
    mentees, mentors = _check(problem)
    points = problem.points()
    locked = dict(problem.locked)
    capacities = np.asarray(problem.capacities, dtype=np.int64).copy()
    for mentor in locked.values():
        capacities[mentor] -= 1
    usable = np.asarray(problem.allowed, dtype=bool) & (points >= round(problem.threshold * SCALE))
    free = np.array([i not in locked for i in range(mentees)], dtype=bool)
    usable &= free[:, None]
    usable &= (capacities > 0)[None, :]
    source, sink = mentees + mentors, mentees + mentors + 1
    flow = SimpleMinCostFlow()
    rows, cols = np.nonzero(usable)
    pair_arcs = flow.add_arcs_with_capacity_and_unit_cost(
        rows.astype(np.int32),
        (cols + mentees).astype(np.int32),
        np.ones(len(rows), dtype=np.int64),
        -points[rows, cols],
    )
    waiting = np.flatnonzero(free).astype(np.int32)
    flow.add_arcs_with_capacity_and_unit_cost(
        np.full(len(waiting), source, dtype=np.int32),
        waiting,
        np.ones(len(waiting), dtype=np.int64),
        np.zeros(len(waiting), dtype=np.int64),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.arange(mentees, mentees + mentors, dtype=np.int32),
        np.full(mentors, sink, dtype=np.int32),
        np.maximum(capacities, 0),
        np.zeros(mentors, dtype=np.int64),
    )
    if not problem.coverage:
        flow.add_arc_with_capacity_and_unit_cost(source, sink, len(waiting), 0)
    flow.set_node_supply(source, len(waiting))
    flow.set_node_supply(sink, -len(waiting))
    status = flow.solve_max_flow_with_min_cost() if problem.coverage else flow.solve()
    if status != SimpleMinCostFlow.OPTIMAL:
        raise MatchingError(f"the solver did not find an optimum ({status})")
    chosen = np.asarray(flow.flows(np.asarray(pair_arcs, dtype=np.int32))) > 0
    pairs = {int(r): int(c) for r, c in zip(rows[chosen], cols[chosen], strict=True)}
    pairs.update(locked)
    return _assignment(points, pairs, mentees)


def _assignment(points: np.ndarray, pairs: dict[int, int], mentees: int) -> Assignment:
    ordered = tuple(sorted(pairs.items()))
    total = int(sum(int(points[mentee, mentor]) for mentee, mentor in ordered))
    unmatched = tuple(i for i in range(mentees) if i not in pairs)
    return Assignment(pairs=ordered, total=total, unmatched=unmatched)


def greedy(problem: Problem) -> Assignment:
    """The baseline the benchmark compares with: pairs by descending score, each taken
    when its mentee is free and its mentor has room (locked pairs first)."""
    mentees, _mentors = _check(problem)
    points = problem.points()
    capacities = np.asarray(problem.capacities, dtype=np.int64).copy()
    pairs = dict(problem.locked)
    for mentor in pairs.values():
        capacities[mentor] -= 1
    usable = np.asarray(problem.allowed, dtype=bool) & (points >= round(problem.threshold * SCALE))
    rows, cols = np.nonzero(usable)
    for index in np.argsort(-points[rows, cols], kind="stable"):
        mentee, mentor = int(rows[index]), int(cols[index])
        if mentee not in pairs and capacities[mentor] > 0:
            pairs[mentee] = mentor
            capacities[mentor] -= 1
    return _assignment(points, pairs, mentees)


def total_of(problem: Problem, pairs: Iterable[tuple[int, int]]) -> int:
    points = problem.points()
    return int(sum(int(points[mentee, mentor]) for mentee, mentor in pairs))
