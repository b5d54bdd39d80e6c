"""How well each mentee and mentor would fit: one score per pair (0–1) from the programme's
weighted criteria, and which pairs are allowed at all — computed for every pair at once as
numpy matrices (ADR 7: 5,000 × 1,000 in well under a second), then handed to the matcher.

Criteria (each 0–1 for a pair; the score is their weighted mean):

- ``skills``: how much of what the mentee wants to learn the mentor offers, each skill
  counted with the mentor's strength in it (their declared level and their evidence);
- ``time_zone``: ``1 − hours apart / 12`` (around the clock: 23 hours apart is 1 hour);
- ``availability``: the share of the mentee's weekly slots the mentor has too (1 when the
  mentee gave none);
- ``organisation``: with the rule "prefer", 1 for the same organisation, else 0.

Hard constraints (the pair is not allowed): no shared language; with the rule "require",
another organisation (or none); with "forbid", the same one; the mentee avoids the mentor;
the same person on both sides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

CRITERIA = ("skills", "time_zone", "availability", "organisation")
ORGANISATION_RULES = ("", "prefer", "require", "forbid")
NO_ORGANISATION = -1


@dataclass(frozen=True)
class Side:
    """One side's applications, row by row. ``skills``: applicants × skills (a mentee's
    wanted skills as 1; a mentor's offered skills with their strength, 0–1);
    ``languages``: a bit mask (a bit per language); ``availability``: applicants × words,
    a bit per hour of the week in UTC (168 bits in three 64-bit words; one word will do for
    coarser slots);
    ``offsets``: hours from UTC now; ``organisations``: an id, or ``NO_ORGANISATION``;
    ``people``: each applicant's member id."""

    skills: np.ndarray
    languages: np.ndarray
    offsets: np.ndarray
    availability: np.ndarray
    organisations: np.ndarray
    people: np.ndarray


@dataclass(frozen=True)
class Rules:
    weights: Mapping[str, float] = field(
        default_factory=lambda: {"skills": 3.0, "time_zone": 1.0, "availability": 1.0}
    )
    organisation: str = ""  # one of ORGANISATION_RULES


@dataclass(frozen=True)
class Scores:
    scores: np.ndarray  # mentees × mentors, 0–1
    allowed: np.ndarray  # mentees × mentors
    parts: dict[str, np.ndarray]  # criterion -> mentees × mentors, 0–1


def _popcount(values: np.ndarray) -> np.ndarray:
    return np.bitwise_count(values.astype(np.uint64)).astype(np.float32)


def _words(availability: np.ndarray) -> np.ndarray:
    values = np.asarray(availability, dtype=np.uint64)
    return values[:, None] if values.ndim == 1 else values


def criteria(mentees: Side, mentors: Side, rules: Rules) -> dict[str, np.ndarray]:
    """Each criterion's value for every pair (only those weighed)."""
    parts: dict[str, np.ndarray] = {}
    weights = rules.weights
    if weights.get("skills"):
        wanted = mentees.skills.astype(np.float32)
        offered = mentors.skills.astype(np.float32)
        parts["skills"] = (wanted @ offered.T) / np.maximum(wanted.sum(axis=1), 1.0)[:, None]
    if weights.get("time_zone"):
        apart = np.abs(mentees.offsets[:, None] - mentors.offsets[None, :]).astype(np.float32)
        apart = np.minimum(apart, 24 - apart)
        parts["time_zone"] = 1.0 - np.minimum(apart, 12) / 12
    if weights.get("availability"):
        mentee_hours, mentor_hours = _words(mentees.availability), _words(mentors.availability)
        shared = np.zeros((len(mentee_hours), len(mentor_hours)), dtype=np.float32)
        for word in range(mentee_hours.shape[1]):
            shared += _popcount(mentee_hours[:, word][:, None] & mentor_hours[:, word][None, :])
        wanted_slots = _popcount(mentee_hours).sum(axis=1)[:, None]
        parts["availability"] = np.where(
            wanted_slots > 0, shared / np.maximum(wanted_slots, 1), 1.0
        ).astype(np.float32)
    if rules.organisation == "prefer" and weights.get("organisation"):
        parts["organisation"] = _same_organisation(mentees, mentors).astype(np.float32)
    return parts


def _same_organisation(mentees: Side, mentors: Side) -> np.ndarray:
    same: np.ndarray = mentees.organisations[:, None] == mentors.organisations[None, :]
    known: np.ndarray = mentees.organisations[:, None] != NO_ORGANISATION
    both: np.ndarray = np.logical_and(same, known)
    return both


def allowed(
    mentees: Side, mentors: Side, rules: Rules, avoided: Iterable[tuple[int, int]] = ()
) -> np.ndarray:
    """Which pairs the hard constraints allow; ``avoided``: (mentee row, mentor row)."""
    ok: np.ndarray = (mentees.languages[:, None] & mentors.languages[None, :]) != 0
    if rules.organisation == "require":
        ok &= _same_organisation(mentees, mentors)
    elif rules.organisation == "forbid":
        ok &= ~_same_organisation(mentees, mentors)
    ok &= mentees.people[:, None] != mentors.people[None, :]
    for mentee, mentor in avoided:
        ok[mentee, mentor] = False
    return ok


def score(
    mentees: Side, mentors: Side, rules: Rules, avoided: Iterable[tuple[int, int]] = ()
) -> Scores:
    """Every pair's score (the weighted mean of its criteria) and whether it is allowed."""
    if rules.organisation not in ORGANISATION_RULES:
        raise ValueError(f"unknown organisation rule: {rules.organisation}")
    parts = criteria(mentees, mentors, rules)
    total_weight = sum(rules.weights.get(name, 0.0) for name in parts)
    shape = (len(mentees.people), len(mentors.people))
    combined = np.zeros(shape, dtype=np.float32)
    for name, values in parts.items():
        combined += np.float32(rules.weights[name]) * values
    if total_weight:
        combined /= np.float32(total_weight)
    return Scores(
        scores=np.clip(combined, 0.0, 1.0),
        allowed=allowed(mentees, mentors, rules, avoided),
        parts=parts,
    )


def breakdown(scores: Scores, mentee: int, mentor: int) -> dict[str, float]:
    """One pair's criteria, for the coordinators' review ("skills 0.8, time zone 1.0…")."""
    return {name: float(values[mentee, mentor]) for name, values in scores.parts.items()}
