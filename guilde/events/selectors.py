"""Reads of the events app, permission-aware: events of the communities the viewer reads,
their occurrences over a range (lists, the month calendar, feeds), one event with what the
viewer may see of its registrations.

A range query costs the same number of queries whatever the number of events, occurrences
and registrations: events in one query, then one each for their tags, hosts and speakers,
changed occurrences and the viewer's own registrations.
"""

from __future__ import annotations

import calendar
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from guilde.accounts.models import User
from guilde.communities.models import Community, Membership
from guilde.communities.permissions import is_admin
from guilde.communities.selectors import discoverable_q, with_viewer_membership
from guilde.core.permissions import can, require
from guilde.events import recurrence
from guilde.events.models import CalendarToken, Event, EventRole, Registration
from guilde.events.recurrence import Occurrence

# How far lists look, and how many events a feed carries.
LIST_DAYS = 90
FEED_PAST_DAYS = 183
FEED_EVENTS = 500
# The dates lists, calendars and the API move between (beyond: ignored, or a 422).
EARLIEST, LATEST = date(1970, 1, 1), date(2200, 1, 1)


def readable_communities_q(viewer: Any) -> Q:
    """Communities whose content ``viewer`` reads (the SQL side of the "view" rule)."""
    known = discoverable_q(viewer)
    if is_admin(viewer):
        return known
    readable = Q(visibility=Community.Visibility.PUBLIC)
    if viewer.is_authenticated:
        readable |= Q(
            Exists(
                Membership.objects.filter(
                    community=OuterRef("pk"),
                    member_id=viewer.pk,
                    status=Membership.Status.ACTIVE,
                )
            )
        )
    return known & readable


def event_queryset(
    *, viewer: Any, community: Community | None = None, mine: bool = False
) -> QuerySet[Event]:
    """Events ``viewer`` may see; ``mine``: only in the communities they belong to."""
    communities = Community.objects.filter(readable_communities_q(viewer))
    if mine:
        communities = communities.filter(
            memberships__member_id=getattr(viewer, "pk", None),
            memberships__status=Membership.Status.ACTIVE,
        )
    events = Event.objects.filter(community__in=communities)
    if community is not None:
        events = events.filter(community=community)
    return events


def with_details(events: QuerySet[Event], viewer: Any) -> QuerySet[Event]:
    """What pages show of each event, loaded in a fixed number of queries."""
    events = events.select_related("community").prefetch_related(
        "tags",
        "changes",
        Prefetch("roles", queryset=EventRole.objects.select_related("member").order_by("pk")),
    )
    if viewer.is_authenticated:
        events = events.prefetch_related(
            Prefetch(
                "registrations",
                queryset=Registration.objects.filter(member_id=viewer.pk),
                to_attr="viewer_registrations",
            )
        )
    return events


def share_communities(events: list[Event], viewer: Any) -> list[Event]:
    """One community object per community for ``events`` (``select_related`` makes one per
    row), with the viewer's membership loaded on each in one query: the permission rules
    read it from the object (guilde.communities.permissions.membership_of)."""
    shared: dict[int, Community] = {}
    for event in events:
        event.community = shared.setdefault(event.community_id, event.community)
    with_viewer_membership(list(shared.values()), viewer)
    return events


def _in_range(events: QuerySet[Event], start: datetime, end: datetime) -> QuerySet[Event]:
    return events.filter(start__lt=end).filter(Q(last_end__isnull=True) | Q(last_end__gt=start))


def occurrences(
    *,
    viewer: Any,
    start: datetime,
    end: datetime,
    community: Community | None = None,
    mine: bool = False,
    newest_first: bool = False,
) -> list[Occurrence]:
    """The occurrences overlapping [start, end) of the events ``viewer`` may see."""
    events = share_communities(
        list(
            with_details(
                _in_range(
                    event_queryset(viewer=viewer, community=community, mine=mine), start, end
                ),
                viewer,
            )
        ),
        viewer,
    )
    found = [
        occurrence
        for event in events
        for occurrence in recurrence.occurrences_between(event, start, end, event.changes.all())
    ]
    return sorted(found, key=lambda o: (o.start, o.event.pk), reverse=newest_first)


@dataclass
class Day:
    day: date
    in_month: bool
    is_today: bool
    occurrences: list[Occurrence] = field(default_factory=list)


def month_grid(
    *,
    viewer: Any,
    year: int,
    month: int,
    zone: Any,
    community: Community | None = None,
    mine: bool = False,
) -> list[list[Day]]:
    """Weeks (Monday first) of the month in ``zone``, each day with its occurrences."""
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    first, last = weeks[0][0], weeks[-1][-1] + timedelta(days=1)
    start = datetime.combine(first, datetime.min.time(), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(last, datetime.min.time(), tzinfo=zone).astimezone(UTC)
    by_day: dict[date, list[Occurrence]] = {}
    for occurrence in occurrences(
        viewer=viewer, start=start, end=end, community=community, mine=mine
    ):
        by_day.setdefault(occurrence.start.astimezone(zone).date(), []).append(occurrence)
    today = timezone.now().astimezone(zone).date()
    return [
        [Day(day, day.month == month, day == today, by_day.get(day, [])) for day in week]
        for week in weeks
    ]


def event_get(*, viewer: Any, community: Community, pk: int) -> Event:
    event = (
        with_details(event_queryset(viewer=viewer, community=community), viewer)
        .filter(pk=pk)
        .first()
    )
    if event is None:
        raise Http404
    with_viewer_membership([event.community], viewer)
    require(viewer, "view", event)
    return event


@dataclass
class Attendance:
    """Seats and answers of one occurrence, and who: names only for those who may register
    or edit (members of the community), never for anonymous visitors."""

    counts: Counter[str]
    waitlist: int
    going: list[User]
    registrations: list[Registration]


def attendance(*, viewer: Any, event: Event, key: datetime | None) -> Attendance:
    rows = list(
        Registration.objects.filter(event=event, occurrence=key)
        .select_related("member")
        .order_by("created_at", "pk")
    )
    counts: Counter[str] = Counter(r.response for r in rows if not r.waitlisted)
    waitlist = sum(1 for r in rows if r.waitlisted)
    may_edit = can(viewer, "edit", event)
    may_know = may_edit or can(viewer, "register", event)
    going = [r.member for r in rows if r.has_seat and r.member.is_active] if may_know else []
    return Attendance(counts, waitlist, going, rows if may_edit else [])


def my_registrations(viewer: Any, event: Event) -> dict[datetime | None, Registration]:
    if not viewer.is_authenticated:
        return {}
    return {r.occurrence: r for r in getattr(event, "viewer_registrations", [])}


def community_feed_events(*, viewer: Any, community: Community) -> list[Event]:
    """What a community's calendar feed carries for ``viewer``: its events from half a year
    ago on (anonymous visitors reach only public communities' feeds: the view rule)."""
    since = timezone.now() - timedelta(days=FEED_PAST_DAYS)
    events = event_queryset(viewer=viewer, community=community).filter(
        Q(last_end__isnull=True) | Q(last_end__gt=since)
    )
    return share_communities(
        list(with_details(events, viewer).order_by("start")[:FEED_EVENTS]), viewer
    )


def member_feed_events(member: User) -> list[Event]:
    """The events a member answered going or interested to (any occurrence of a series),
    among those they may still see."""
    since = timezone.now() - timedelta(days=FEED_PAST_DAYS)
    registered = Registration.objects.filter(
        member=member,
        response__in=[
            Registration.Response.IN_PERSON,
            Registration.Response.ONLINE,
            Registration.Response.INTERESTED,
        ],
    ).values("event_id")
    events = event_queryset(viewer=member).filter(pk__in=registered)
    events = events.filter(Q(last_end__isnull=True) | Q(last_end__gt=since))
    return share_communities(
        list(with_details(events, member).order_by("start")[:FEED_EVENTS]), member
    )


def member_by_calendar_token(token: str) -> User:
    found = (
        CalendarToken.objects.filter(token=token, member__is_active=True)
        .select_related("member")
        .first()
    )
    if found is None or found.member.deleted_at is not None:
        raise Http404
    return found.member
