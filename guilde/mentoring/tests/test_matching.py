"""The matcher is optimal (issue 15, acceptance 1): on random small instances its total
equals a brute-force optimum, and it respects capacities, hard constraints, the threshold
and locked pairs; with ``coverage`` it makes as many pairs as possible first."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guilde.mentoring.matching import SCALE, MatchingError, Problem, greedy, solve


def brute_force(problem: Problem) -> tuple[int, int]:
    """(pairs, total) of the best assignment, by trying every one: each free mentee takes
    one allowed mentor with room, or nobody."""
    points = problem.points()
    mentees, mentors = points.shape
    locked = dict(problem.locked)
    threshold = round(problem.threshold * SCALE)
    choices: list[list[int | None]] = []
    for mentee in range(mentees):
        if mentee in locked:
            choices.append([locked[mentee]])
            continue
        choices.append(
            [None]
            + [
                mentor
                for mentor in range(mentors)
                if problem.allowed[mentee, mentor] and points[mentee, mentor] >= threshold
            ]
        )
    best = (-1, -1) if problem.coverage else (0, -1)
    for assignment in itertools.product(*choices):
        load = np.zeros(mentors, dtype=int)
        for mentor in assignment:
            if mentor is not None:
                load[mentor] += 1
        if np.any(load > problem.capacities):
            continue
        pairs = sum(mentor is not None for mentor in assignment)
        total = sum(
            int(points[mentee, mentor])
            for mentee, mentor in enumerate(assignment)
            if mentor is not None
        )
        key = (pairs, total) if problem.coverage else (0, total)
        if key > best:
            best = key
    return best


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    mentees = draw(st.integers(0, 6))
    mentors = draw(st.integers(1, 4))
    scores = (
        np.array(
            draw(
                st.lists(
                    st.integers(0, 1000), min_size=mentees * mentors, max_size=mentees * mentors
                )
            ),
            dtype=np.float64,
        ).reshape(mentees, mentors)
        / 1000
    )
    allowed = np.array(
        draw(st.lists(st.booleans(), min_size=mentees * mentors, max_size=mentees * mentors)),
        dtype=bool,
    ).reshape(mentees, mentors)
    capacities = np.array(
        draw(st.lists(st.integers(1, 2), min_size=mentors, max_size=mentors)), dtype=np.int64
    )
    locked: list[tuple[int, int]] = []
    load = np.zeros(mentors, dtype=int)
    for mentee in range(mentees):
        if draw(st.integers(0, 5)) == 0:
            mentor = draw(st.integers(0, mentors - 1))
            if load[mentor] < capacities[mentor]:
                locked.append((mentee, mentor))
                load[mentor] += 1
    return Problem(
        scores=scores,
        allowed=allowed,
        capacities=capacities,
        locked=tuple(locked),
        threshold=draw(st.sampled_from([0.0, 0.0, 0.3])),
        coverage=draw(st.booleans()),
    )


@settings(max_examples=300, deadline=None)
@given(problems())
def test_the_matcher_finds_the_brute_force_optimum_within_every_constraint(problem):
    found = solve(problem)
    best_pairs, best_total = brute_force(problem)
    assert found.total == best_total
    if problem.coverage:
        assert len(found.pairs) == best_pairs
    points = problem.points()
    load = np.zeros(len(problem.capacities), dtype=int)
    mentees_seen = set()
    for mentee, mentor in found.pairs:
        assert mentee not in mentees_seen
        mentees_seen.add(mentee)
        load[mentor] += 1
        if (mentee, mentor) not in problem.locked:
            assert problem.allowed[mentee, mentor]
            assert points[mentee, mentor] >= round(problem.threshold * SCALE)
    assert np.all(load <= problem.capacities)
    assert set(problem.locked) <= set(found.pairs)
    assert set(found.unmatched) == set(range(points.shape[0])) - mentees_seen


def test_the_optimum_beats_greedy_where_greedy_is_short_sighted():
    # Greedy gives the best pair (0, 0) first and leaves mentee 1 with nobody good.
    problem = Problem(
        scores=np.array([[0.9, 0.8], [0.85, 0.1]]),
        allowed=np.ones((2, 2), dtype=bool),
        capacities=np.array([1, 1]),
    )
    assert solve(problem).pairs == ((0, 1), (1, 0))
    assert solve(problem).total == round(1.65 * SCALE)
    assert greedy(problem).total == round(1.0 * SCALE)


def test_coverage_trades_score_for_everyone_matched():
    problem = Problem(
        scores=np.array([[0.9, 0.0], [0.8, 0.1]]),
        allowed=np.array([[True, False], [True, True]]),
        capacities=np.array([1, 1]),
    )
    assert solve(problem).pairs == ((0, 0), (1, 1))  # 0.9 + 0.1 beats 0.9 or 0.8 alone
    best_alone = Problem(
        scores=np.array([[0.2, 0.0], [0.9, 0.1]]),
        allowed=np.array([[True, False], [True, True]]),
        capacities=np.array([1, 1]),
    )
    assert solve(best_alone).pairs == ((1, 0),)
    covered = solve(
        Problem(
            scores=best_alone.scores,
            allowed=best_alone.allowed,
            capacities=best_alone.capacities,
            coverage=True,
        )
    )
    assert covered.pairs == ((0, 0), (1, 1))


def test_impossible_locks_are_refused():
    with pytest.raises(MatchingError):
        solve(
            Problem(
                scores=np.zeros((2, 1)),
                allowed=np.ones((2, 1), dtype=bool),
                capacities=np.array([1]),
                locked=((0, 0), (1, 0)),
            )
        )
