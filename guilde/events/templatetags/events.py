"""Times of events for people: in the viewer's zone, with the event's own zone beside it
when they differ."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from django import template
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from guilde.events.recurrence import Occurrence

register = template.Library()


def _span(start: datetime, end: datetime) -> str:
    same_day = start.date() == end.date()
    first = date_format(start, "D j M Y, H:i")
    last = date_format(end, "H:i" if same_day else "D j M Y, H:i")
    return f"{first} – {last}"


@register.simple_tag
def when(occurrence: Occurrence, zone: tzinfo) -> SafeString:
    """ "Thu 19 March 2026, 18:00 – 20:00 (Europe/Paris)", then the event's zone when it is
    another: "· 13:00 – 15:00 in America/Montreal"."""
    start, end = occurrence.start.astimezone(zone), occurrence.end.astimezone(zone)
    mine = format_html(
        '<time datetime="{}">{}</time> <span class="muted">({})</span>',
        occurrence.start.isoformat(),
        _span(start, end),
        str(zone),
    )
    event_zone = occurrence.event.zone
    if str(event_zone) == str(zone):
        return mine
    theirs = _span(occurrence.start.astimezone(event_zone), occurrence.end.astimezone(event_zone))
    return format_html(
        '{} <span class="muted">· {}</span>',
        mine,
        _("%(when)s in %(zone)s") % {"when": theirs, "zone": event_zone},
    )


@register.filter
def in_zone(value: datetime | None, zone: Any) -> datetime | None:
    return value.astimezone(zone) if value else None
