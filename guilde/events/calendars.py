"""Calendars (RFC 5545) with the icalendar library: an event's .ics, a community's feed and
a member's personal feed (ADR 6).

Every feed: VTIMEZONE for each zone used, UID ``event-<pk>@<site host>`` stable across
changes, SEQUENCE and LAST-MODIFIED from the event, STATUS:CANCELLED for a cancelled
event (kept, so calendars strike it through), RRULE / EXDATE / RECURRENCE-ID for a series.
No attendee and no e-mail address in any feed; the online join link only in what is made
for someone with a seat (their .ics, their personal feed) or who runs the event.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.utils.translation import gettext as _

from guilde.core.markdown import plain_text
from guilde.core.permissions import can
from guilde.events import recurrence
from guilde.events.models import Event

PRODID = "-//Guilde//Events//EN"
REFRESH = timedelta(hours=1)
TIMEZONE_YEARS = 10


def _site() -> str:
    return str(settings.GUILDE_SITE_URL).rstrip("/")


def uid_of(event: Event) -> str:
    host = urlsplit(_site()).hostname or "guilde"
    return f"event-{event.pk}@{host}"


def _location(event: Event) -> str:
    if event.format == Event.Format.ONLINE:
        return _("Online")
    return ", ".join(part for part in (event.venue, event.address) if part)


def _description(event: Event, *, join_link: bool) -> str:
    parts = [plain_text(event.description, limit=4000)] if event.description.strip() else []
    if join_link and event.join_url:
        parts.append(_("Join: %(url)s") % {"url": event.join_url})
    if event.is_cancelled and event.cancel_reason:
        parts.insert(0, _("Cancelled: %(reason)s") % {"reason": event.cancel_reason})
    parts.append(_site() + event.get_absolute_url())
    return "\n\n".join(parts)


def _vevent(
    event: Event,
    start: datetime,
    end: datetime,
    *,
    join_link: bool,
    recurrence_id: datetime | None = None,
) -> icalendar.Event:
    zone = event.zone
    return icalendar.Event.new(
        uid=uid_of(event),
        stamp=event.updated_at,
        recurrence_id=recurrence_id.astimezone(zone) if recurrence_id else None,
        start=start.astimezone(zone),
        end=end.astimezone(zone),
        summary=event.title,
        description=_description(event, join_link=join_link),
        location=_location(event),
        url=_site() + event.get_absolute_url(),
        sequence=event.sequence,
        created=event.created_at,
        last_modified=event.updated_at,
        categories=[tag.name for tag in event.tags.all()],
        status=icalendar.STATUS.CANCELLED if event.is_cancelled else icalendar.STATUS.CONFIRMED,
    )


def components(event: Event, *, join_link: bool) -> list[icalendar.Event]:
    """The VEVENTs of ``event`` with everything a calendar shows: the series' master (or
    the single event) and each moved occurrence."""
    master = _vevent(event, event.start, event.end, join_link=join_link)
    parts = recurrence.rule(event)
    if parts is None:
        return [master]
    master.add("RRULE", parts)
    found = [master]
    for change in event.changes.all():
        if change.cancelled:
            master.add("EXDATE", change.original_start.astimezone(event.zone))
        elif change.start and change.end:
            found.append(
                _vevent(
                    event,
                    change.start,
                    change.end,
                    join_link=join_link,
                    recurrence_id=change.original_start,
                )
            )
    return found


def _calendar(
    name: str, uid: str, events: Iterable[Event], viewer: object, *, join_links: bool = True
) -> bytes:
    """``join_links``: put each event's join link in, where ``viewer`` may see it."""
    events = list(events)
    cal = icalendar.Calendar.new(method="PUBLISH", name=name, uid=uid, prodid=PRODID)
    cal.add("REFRESH-INTERVAL", icalendar.vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    cal.add("X-PUBLISHED-TTL", icalendar.vDuration(REFRESH))
    for event in events:
        join_link = join_links and can(viewer, "join_link", event)
        for component in components(event, join_link=join_link):
            cal.add_component(component)
    if events:
        first = min(event.start for event in events).date()
        cal.add_missing_timezones(
            first_date=first - timedelta(days=1),
            last_date=date(first.year + TIMEZONE_YEARS, 1, 1),
        )
        missing = cal.get_missing_tzids()
        if missing:  # never silently: an event's zone comes from the validated list
            raise ValueError(f"no VTIMEZONE for {sorted(missing)}")
    return bytes(cal.to_ical())


def event_ics(*, viewer: object, event: Event) -> bytes:
    return _calendar(event.title, uid_of(event) + "-calendar", [event], viewer)


def community_ics(*, viewer: object, name: str, slug: str, events: Iterable[Event]) -> bytes:
    # Shared, subscribed to, forwarded: a community's feed never carries join links.
    uid = f"community-{slug}@{urlsplit(_site()).hostname}"
    return _calendar(name, uid, events, viewer, join_links=False)


def member_ics(*, member: object, events: Iterable[Event]) -> bytes:
    pk = getattr(member, "pk", 0)
    return _calendar("Guilde", f"member-{pk}@{urlsplit(_site()).hostname}", events, member)
