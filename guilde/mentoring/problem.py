"""From a programme's applications to the matcher's matrices, and back.

Each applicant becomes a row of :class:`guilde.mentoring.scoring.Side`:

- topics: a mentee's wanted topics count 1; a mentor's offered ones
  ``0.6 + 0.4 × evidence``, the evidence being their stored expertise strength on that
  topic relative to the strongest member's in the community (``people.TopicEvidence``),
  so that of two mentors offering a topic, the one the community saw answer it ranks first;
- languages: the application's, or else the member's spoken languages and interface
  language, or else the community's language;
- time zone: the member's, as hours from UTC today;
- availability: the weekly slots they ticked in their own zone, as hours of the week in
  UTC (so a Paris morning meets a Montreal dawn, not a Montreal morning);
- organisation: the member's confirmed affiliation if any, else their first one.

Queries: a fixed number whatever the number of applications.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.db.models import Max
from django.utils import timezone

from guilde.accounts.models import Affiliation, Block, MemberLanguage
from guilde.mentoring import scoring
from guilde.mentoring.models import DAYS, PERIODS, SLOTS, Application, Match, Programme
from guilde.mentoring.scoring import NO_ORGANISATION, Rules, Scores, Side

DECLARED = 0.6  # what offering a topic is worth before the evidence
HOURS_A_WEEK = 7 * 24
WORDS = 3  # 168 bits


def slot_hours(slot: str) -> list[int]:
    """The hours of the week (Monday 0:00 = 0, local) a slot key covers."""
    day, _sep, period = slot.partition("-")
    starts = {name: (start, hours) for name, start, hours in PERIODS}
    if day not in DAYS or period not in starts:
        return []
    start, hours = starts[period]
    base = DAYS.index(day) * 24 + start
    return list(range(base, base + hours))


def utc_mask(slots: Sequence[str], offset_hours: float) -> np.ndarray:
    """Three 64-bit words, a bit per hour of the week in UTC."""
    return np.array(_utc_words(slots, offset_hours), dtype=np.uint64)


_SLOT_HOURS = {slot: slot_hours(slot) for slot in SLOTS}
_WORD = (1 << 64) - 1


def _utc_words(slots: Sequence[str], offset_hours: float) -> list[int]:
    # Python integers, not numpy scalars: 6,000 applications in milliseconds, not 0.25 s.
    bits = 0
    shift = round(offset_hours)
    for slot in slots:
        for hour in _SLOT_HOURS.get(slot) or slot_hours(slot):
            bits |= 1 << ((hour - shift) % HOURS_A_WEEK)
    return [(bits >> (64 * word)) & _WORD for word in range(WORDS)]


def offset_hours(zone_name: str, when: datetime) -> float:
    import zoneinfo

    from django.conf import settings

    try:
        zone = zoneinfo.ZoneInfo(zone_name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    delta = when.astimezone(zone).utcoffset() or timedelta()
    return delta.total_seconds() / 3600


@dataclass(frozen=True)
class Built:
    programme: Programme
    mentees: list[Application]
    mentors: list[Application]
    scores: Scores
    capacities: np.ndarray

    def row(self, application: Application) -> int:
        found = self.mentees if application.role == Application.Role.MENTEE else self.mentors
        return next(i for i, one in enumerate(found) if one.pk == application.pk)


def active_applications(programme: Programme) -> tuple[list[Application], list[Application]]:
    applications = list(
        programme.applications.filter(status=Application.Status.ACTIVE)
        .select_related("member")
        .order_by("pk")
    )
    # Topics and people to avoid are read by build() as ids (prefetching them made 20,000
    # Tag objects and 6,000 managers for the benchmark: 1–1.5 s); the programme is the same
    # object for all (joining it and its community per row cost 0.3 s).
    for application in applications:
        application.programme = programme
    mentees = [a for a in applications if a.role == Application.Role.MENTEE]
    mentors = [a for a in applications if a.role == Application.Role.MENTOR]
    return mentees, mentors


def _linked(
    programme: Programme, applications: list[Application], through: type[Any], column: str
) -> dict[int, list[int]]:
    """Application → the ids it names in a many-to-many table (topics, people to avoid)."""
    ids = {a.pk for a in applications}
    rows = through.objects.all()
    if len(ids) > 500:  # the whole programme, rather than thousands of parameters
        rows = rows.filter(application__programme=programme)
    else:
        rows = rows.filter(application_id__in=ids)
    found: dict[int, list[int]] = defaultdict(list)
    for application_id, other in rows.order_by("pk").values_list("application_id", column):
        if application_id in ids:
            found[application_id].append(other)
    return found


def _evidence(
    programme: Programme, mentors: list[Application], skills: dict[int, list[int]]
) -> dict[tuple[int, int], float]:
    """(member, tag) → the member's strength on the topic relative to the strongest's."""
    from guilde.people import evidence

    tags = {tag for application in mentors for tag in skills.get(application.pk, ())}
    if not tags:
        return {}
    stored = evidence.topics()  # the current snapshot's: never half of a refresh
    rows = stored.filter(
        community_id=programme.community_id,
        tag_id__in=tags,
        member_id__in=[a.member_id for a in mentors],
    ).values_list("member_id", "tag_id", "strength")
    best = dict(
        stored.filter(community_id=programme.community_id, tag_id__in=tags)
        .values("tag_id")
        .annotate(best=Max("strength"))
        .values_list("tag_id", "best")
    )
    return {
        (member, tag): min(1.0, strength / best[tag]) if best.get(tag) else 0.0
        for member, tag, strength in rows
    }


def _languages(applications: list[Application]) -> dict[int, set[str]]:
    found = {}
    for application in applications:
        found[application.pk] = {
            str(code).split("-")[0].lower() for code in application.languages if code
        }
    # Spoken languages only for those whose application names none.
    unnamed = [a for a in applications if not found[a.pk]]
    spoken: dict[int, set[str]] = defaultdict(set)
    for member_id, code in MemberLanguage.objects.filter(
        member_id__in=[a.member_id for a in unnamed]
    ).values_list("member_id", "code"):
        spoken[member_id].add(code.split("-")[0].lower())
    for application in unnamed:
        chosen = set(spoken[application.member_id])
        if application.member.language:
            chosen.add(application.member.language.split("-")[0].lower())
        if not chosen and application.programme.community.language:
            chosen = {application.programme.community.language.split("-")[0].lower()}
        found[application.pk] = chosen
    return found


def _organisations(applications: list[Application]) -> dict[int, int]:
    first: dict[int, int] = {}
    confirmed: dict[int, int] = {}
    for member_id, organisation_id, confirmed_by in (
        Affiliation.objects.filter(member_id__in=[a.member_id for a in applications])
        .order_by("created_at", "pk")
        .values_list("member_id", "organisation_id", "confirmed_by")
    ):
        first.setdefault(member_id, organisation_id)
        if confirmed_by:
            confirmed.setdefault(member_id, organisation_id)
    return first | confirmed  # a confirmed affiliation first, else the first one


def _side(
    applications: list[Application],
    *,
    skills: dict[int, list[int]],
    topics: dict[int, int],
    languages: dict[int, set[str]],
    language_bits: dict[str, int],
    organisations: dict[int, int],
    strength: dict[tuple[int, int], float] | None,
    now: datetime,
) -> Side:
    wanted = np.zeros((len(applications), max(len(topics), 1)), dtype=np.float32)
    masks: list[int] = []
    offsets: list[float] = []
    hours: list[list[int]] = []
    zones: dict[str, float] = {}  # a few zones for thousands of members
    for row, application in enumerate(applications):
        for tag in skills.get(application.pk, ()):
            value = 1.0
            if strength is not None:
                value = DECLARED + (1 - DECLARED) * strength.get((application.member_id, tag), 0)
            wanted[row, topics[tag]] = value
        mask = 0
        for code in languages[application.pk]:
            mask |= 1 << language_bits[code]
        masks.append(mask)
        zone = application.member.time_zone
        if zone not in zones:
            zones[zone] = offset_hours(zone, now)
        offsets.append(zones[zone])
        hours.append(_utc_words(application.availability, zones[zone]))
    return Side(
        skills=wanted,
        languages=np.array(masks, dtype=np.uint64),
        offsets=np.array(offsets, dtype=np.float32),
        availability=np.array(hours, dtype=np.uint64).reshape(len(applications), WORDS),
        organisations=np.array(
            [organisations.get(a.member_id, NO_ORGANISATION) for a in applications],
            dtype=np.int64,
        ),
        people=np.array([a.member_id for a in applications], dtype=np.int64),
    )


def rules_of(programme: Programme) -> Rules:
    return Rules(weights=programme.weights, organisation=programme.organisation_rule)


def build(
    programme: Programme,
    mentees: list[Application],
    mentors: list[Application],
    *,
    now: datetime | None = None,
) -> Built:
    """Scores of every mentee × mentor pair of ``programme``, with what forbids a pair: the
    hard rules, people a mentee avoids, blocks either way, pairs declined before."""
    now = now or timezone.now()
    everyone = mentees + mentors
    skills = _linked(programme, everyone, Application.skills.through, "tag_id")
    topics: dict[int, int] = {}
    for application in everyone:
        for tag in skills.get(application.pk, ()):
            topics.setdefault(tag, len(topics))
    languages = _languages(everyone)
    codes = sorted({code for chosen in languages.values() for code in chosen})
    if len(codes) > 63:  # a 64-bit mask: the rarest languages share the last bit
        codes = codes[:63]
    language_bits = defaultdict(lambda: 63, {code: bit for bit, code in enumerate(codes)})
    organisations = _organisations(everyone)
    common = {
        "skills": skills,
        "topics": topics,
        "languages": languages,
        "language_bits": language_bits,
        "organisations": organisations,
        "now": now,
    }
    mentee_side = _side(mentees, strength=None, **common)  # type: ignore[arg-type]
    mentor_side = _side(mentors, strength=_evidence(programme, mentors, skills), **common)  # type: ignore[arg-type]
    avoided = _linked(programme, mentees, Application.avoid.through, "user_id")
    scores = scoring.score(
        mentee_side,
        mentor_side,
        rules_of(programme),
        _forbidden(programme, mentees, mentors, avoided),
    )
    capacities = np.array(
        [min(a.capacity, programme.max_capacity) for a in mentors], dtype=np.int64
    )
    return Built(programme, mentees, mentors, scores, capacities)


def _forbidden(
    programme: Programme,
    mentees: list[Application],
    mentors: list[Application],
    avoided: dict[int, list[int]],
) -> list[tuple[int, int]]:
    mentee_rows = {a.pk: i for i, a in enumerate(mentees)}
    mentor_rows = {a.pk: i for i, a in enumerate(mentors)}
    mentor_rows_by_member: dict[int, list[int]] = defaultdict(list)
    for i, application in enumerate(mentors):
        mentor_rows_by_member[application.member_id].append(i)
    mentee_rows_by_member: dict[int, list[int]] = defaultdict(list)
    for i, application in enumerate(mentees):
        mentee_rows_by_member[application.member_id].append(i)
    pairs: list[tuple[int, int]] = []
    for i, application in enumerate(mentees):
        for person in avoided.get(application.pk, ()):
            pairs.extend((i, j) for j in mentor_rows_by_member.get(person, ()))
    people = list(mentee_rows_by_member) + list(mentor_rows_by_member)
    for blocker, blocked in Block.objects.filter(
        blocker_id__in=people, blocked_id__in=people
    ).values_list("blocker_id", "blocked_id"):
        for a, b in ((blocker, blocked), (blocked, blocker)):
            pairs.extend(
                (i, j)
                for i in mentee_rows_by_member.get(a, ())
                for j in mentor_rows_by_member.get(b, ())
            )
    for mentee_id, mentor_id in Match.objects.filter(
        programme=programme, status=Match.Status.DECLINED
    ).values_list("mentee_id", "mentor_id"):
        if mentee_id in mentee_rows and mentor_id in mentor_rows:
            pairs.append((mentee_rows[mentee_id], mentor_rows[mentor_id]))
    return pairs
