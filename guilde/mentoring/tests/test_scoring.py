"""Scores of pairs from the programme's criteria, and the hard constraints."""

from __future__ import annotations

import numpy as np
import pytest

from guilde.mentoring.scoring import NO_ORGANISATION, Rules, Side, breakdown, score


def _side(skills, languages, offsets, availability, organisations, people) -> Side:
    return Side(
        skills=np.array(skills, dtype=np.float32),
        languages=np.array(languages, dtype=np.int64),
        offsets=np.array(offsets, dtype=np.float32),
        availability=np.array(availability, dtype=np.int64),
        organisations=np.array(organisations, dtype=np.int64),
        people=np.array(people, dtype=np.int64),
    )


FR, EN = 1, 2
MENTEES = _side(
    skills=[[1, 1, 0], [0, 0, 1]],
    languages=[FR, EN],
    offsets=[1, -5],
    availability=[0b0011, 0],
    organisations=[7, NO_ORGANISATION],
    people=[10, 11],
)
MENTORS = _side(
    skills=[[1.0, 0.5, 0], [0, 0, 0.8], [1, 1, 1]],
    languages=[FR | EN, EN, FR],
    offsets=[2, -5, 13],
    availability=[0b0001, 0b1111, 0],
    organisations=[7, 8, NO_ORGANISATION],
    people=[20, 21, 10],
)


def test_each_criterion_and_the_weighted_mean():
    found = score(MENTEES, MENTORS, Rules(weights={"skills": 2, "time_zone": 1, "availability": 1}))
    parts = breakdown(found, 0, 0)
    assert parts["skills"] == pytest.approx(0.75)  # wants two skills: 1.0 + 0.5 offered
    assert parts["time_zone"] == pytest.approx(1 - 1 / 12)
    assert parts["availability"] == pytest.approx(0.5)  # one of their two slots
    assert float(found.scores[0, 0]) == pytest.approx((2 * 0.75 + (1 - 1 / 12) + 0.5) / 4)
    # Around the clock: +1 and +13 are 12 hours apart, the farthest.
    assert breakdown(found, 0, 2)["time_zone"] == pytest.approx(0.0)
    # A mentee who gave no slots fits everyone's.
    assert breakdown(found, 1, 1)["availability"] == 1.0


def test_hard_constraints():
    rules = Rules()
    allowed = score(MENTEES, MENTORS, rules).allowed
    assert allowed.tolist() == [
        [True, False, False],  # no shared language with mentor 1; mentor 2 is themselves
        [True, True, False],  # no shared language with mentor 2
    ]
    required = score(MENTEES, MENTORS, Rules(organisation="require")).allowed
    assert required.tolist() == [[True, False, False], [False, False, False]]
    forbidden = score(MENTEES, MENTORS, Rules(organisation="forbid")).allowed
    assert forbidden.tolist() == [[False, False, False], [True, True, False]]
    avoided = score(MENTEES, MENTORS, rules, avoided=[(1, 0)]).allowed
    assert not avoided[1, 0]


def test_prefer_the_same_organisation_is_a_criterion():
    rules = Rules(weights={"organisation": 1}, organisation="prefer")
    found = score(MENTEES, MENTORS, rules)
    assert found.scores[0].tolist() == [1.0, 0.0, 0.0]
    assert found.scores[1].tolist() == [0.0, 0.0, 0.0]  # no organisation: never "the same"
    with pytest.raises(ValueError, match="unknown organisation rule"):
        score(MENTEES, MENTORS, Rules(organisation="sometimes"))
