"""Occurrences of events: the rule of a series as RFC 5545 components, and its expansion
over a bounded range by recurring-ical-events, on the wall clock of the event's zone (a
weekly 18:00 in Paris stays 18:00 across daylight saving; ADR 6).

The same components (``series_components``) go into the calendar feeds, so what a page
lists and what a calendar application shows come from one description.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import icalendar
import recurring_ical_events

from guilde.events.models import Event, OccurrenceChange

# Bounds the form and the API enforce: a series ends within these, or never.
MAX_COUNT = 500
# Events happen between these years (beyond, dates are refused: arithmetic on them would
# overflow).
EARLIEST_YEAR, LATEST_YEAR = 1970, 2200
MAX_SERIES_YEARS = 5
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Occurrence:
    """One time an event happens. ``key`` is the original start the rule gives it (UTC) for
    a series, ``None`` for a single event; ``moved`` when a change gave it another time."""

    event: Event
    key: datetime | None
    start: datetime
    end: datetime
    moved: bool = False

    @property
    def key_text(self) -> str:
        return occurrence_key_text(self.key)


def occurrence_key_text(key: datetime | None) -> str:
    return key.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ") if key else ""


def parse_occurrence_key(text: str) -> datetime | None:
    """An occurrence key from a URL or the API (``20260312T170000Z``); ``None`` if malformed."""
    try:
        found = datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None
    return found if EARLIEST_YEAR <= found.year <= LATEST_YEAR else None


def rule(event: Event) -> dict[str, object] | None:
    """The RRULE of a series as icalendar's vRecur fields, or ``None``."""
    if not event.repeat:
        return None
    local = event.start.astimezone(event.zone)
    weekday = WEEKDAYS[local.weekday()]
    parts: dict[str, object] = {"INTERVAL": event.repeat_interval}
    if event.repeat == Event.Repeat.DAILY:
        parts["FREQ"] = "DAILY"
    elif event.repeat == Event.Repeat.WEEKLY:
        parts.update(FREQ="WEEKLY", BYDAY=weekday)
    elif event.repeat == Event.Repeat.MONTHLY_WEEKDAY:
        nth = (local.day - 1) // 7 + 1
        parts.update(FREQ="MONTHLY", BYDAY=f"{-1 if nth == 5 else nth}{weekday}")
    else:
        parts.update(FREQ="MONTHLY", BYMONTHDAY=local.day)
    if event.repeat_until:
        # With a zoned DTSTART, UNTIL must be in UTC (a local one would be floating).
        last = datetime.combine(event.repeat_until, time(23, 59, 59), tzinfo=event.zone)
        parts["UNTIL"] = last.astimezone(UTC)
    elif event.repeat_count:
        parts["COUNT"] = event.repeat_count
    return parts


def series_components(
    event: Event, changes: Iterable[OccurrenceChange] = ()
) -> list[icalendar.Event]:
    """The event's VEVENTs with only what expansion needs: the master (DTSTART/DTEND in the
    event's zone, RRULE, EXDATE for cancelled occurrences) and one VEVENT per moved
    occurrence (RECURRENCE-ID at its original start)."""
    zone = event.zone
    uid = f"event-{event.pk}"
    master = icalendar.Event.new(
        uid=uid,
        start=event.start.astimezone(zone),
        end=event.end.astimezone(zone),
        sequence=event.sequence,
    )
    parts = rule(event)
    if parts is None:
        return [master]
    master.add("RRULE", parts)
    components = [master]
    for change in changes:
        original = change.original_start.astimezone(zone)
        if change.cancelled:
            master.add("EXDATE", original)
        elif change.start and change.end:
            components.append(
                icalendar.Event.new(
                    uid=uid,
                    recurrence_id=original,
                    start=change.start.astimezone(zone),
                    end=change.end.astimezone(zone),
                    sequence=event.sequence,
                )
            )
    return components


def _aware(value: date | datetime, event: Event) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=event.zone)
    return datetime.combine(value, time(), tzinfo=event.zone)


# Expansions of series over whole days, per process: the key holds everything the rule
# and its changed occurrences say, so an entry is never stale, only unused; the oldest go
# first.
Expansion = list[tuple[datetime, datetime, datetime, bool]]
_EXPANSIONS: OrderedDict[tuple[object, ...], Expansion] = OrderedDict()
EXPANSIONS_KEPT = 4096


def occurrences_between(
    event: Event, start: datetime, end: datetime, changes: Iterable[OccurrenceChange] = ()
) -> list[Occurrence]:
    """The event's occurrences that overlap [start, end), by start. Cancelled occurrences
    of a series are left out; a whole cancelled event is not (pages strike it through)."""
    if not event.repeat:
        if event.start < end and event.end > start:
            return [Occurrence(event=event, key=None, start=event.start, end=event.end)]
        return []
    # Expand over the whole days around the range (lists start "now": one expansion a day).
    day_start = datetime.combine(start.astimezone(UTC).date(), time(), tzinfo=UTC)
    day_end = datetime.combine(end.astimezone(UTC).date(), time(), tzinfo=UTC) + timedelta(1)
    changes = list(changes)
    key = (
        event.pk,
        event.updated_at,
        event.start,
        event.end,
        event.time_zone,
        event.repeat,
        event.repeat_interval,
        event.repeat_until,
        event.repeat_count,
        tuple((c.original_start, c.cancelled, c.start, c.end) for c in changes),
        day_start,
        day_end,
    )
    found = _EXPANSIONS.get(key) if event.pk is not None else None
    if found is None:
        found = _expand(event, day_start, day_end, changes)
        if event.pk is not None:
            _EXPANSIONS[key] = found
            if len(_EXPANSIONS) > EXPANSIONS_KEPT:
                _EXPANSIONS.popitem(last=False)
    else:
        _EXPANSIONS.move_to_end(key)
    return [
        Occurrence(event=event, key=original, start=begins, end=ends, moved=moved)
        for original, begins, ends, moved in found
        if begins < end and ends > start
    ]


def _expand(
    event: Event, start: datetime, end: datetime, changes: Iterable[OccurrenceChange]
) -> Expansion:
    calendar = icalendar.Calendar.new(subcomponents=series_components(event, changes))
    found = []
    for component in recurring_ical_events.of(calendar).between(start, end):
        begins = _aware(component.DTSTART, event)
        ends = _aware(component.DTEND, event) if component.DTEND else begins
        original = component.get("RECURRENCE-ID")
        key = _aware(original.dt, event).astimezone(UTC) if original else begins.astimezone(UTC)
        begins_utc = begins.astimezone(UTC)
        found.append((key, begins_utc, ends.astimezone(UTC), key != begins_utc))
    return sorted(found, key=lambda occurrence: occurrence[1])


def series_last_end(event: Event) -> datetime | None:
    """When the last occurrence of the rule ends; ``None`` for an open series. Moved
    occurrences are not considered (a move stays near its original)."""
    if not event.repeat:
        return event.end
    if not (event.repeat_until or event.repeat_count):
        return None
    horizon = event.start + timedelta(days=366 * (MAX_SERIES_YEARS + 1))
    found = occurrences_between(event, event.start, horizon)
    return found[-1].end if found else event.end


def occurrence_at(
    event: Event, key: datetime | None, changes: Iterable[OccurrenceChange] = ()
) -> Occurrence | None:
    """The occurrence whose original start is ``key`` (a single event: ``None``), if the
    rule gives one and it is not cancelled."""
    if not event.repeat:
        return (
            Occurrence(event=event, key=None, start=event.start, end=event.end)
            if key is None
            else None
        )
    if key is None:
        return None
    changes = list(changes)
    moved = next((c for c in changes if c.original_start == key and not c.cancelled), None)
    window_start = key - timedelta(minutes=1)
    window_end = key + timedelta(minutes=1)
    if moved is not None and moved.start is not None:
        window_start, window_end = min(window_start, moved.start), max(window_end, moved.start)
        window_end += timedelta(minutes=1)
    for occurrence in occurrences_between(event, window_start, window_end, changes):
        if occurrence.key == key:
            return occurrence
    return None


def next_occurrence(
    event: Event, after: datetime, changes: Iterable[OccurrenceChange] = ()
) -> Occurrence | None:
    """The first occurrence that has not ended at ``after``, within a year."""
    found = occurrences_between(event, after, after + timedelta(days=366), changes)
    return found[0] if found else None
