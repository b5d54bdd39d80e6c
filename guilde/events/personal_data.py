"""What the events app holds about members (see guilde.accounts.rights)."""

from __future__ import annotations

from typing import Any

from guilde.accounts.models import User
from guilde.accounts.rights import (
    DeletionContext,
    Handling,
    classify,
    exporter,
    on_account_deletion,
)
from guilde.events.models import CalendarToken, Event, EventFeedback, EventRole, Registration
from guilde.events.recurrence import occurrence_key_text

classify(
    "events.Event",
    Handling.CONTRIBUTION,
    "events the member created: the community's, kept without their name",
    export_part="events_created",
    owner_field="created_by",
)
classify("events.OccurrenceChange", Handling.NONE, "an occurrence of a series moved or cancelled")
classify(
    "events.EventRole",
    Handling.OWNED,
    "events the member hosts or speaks at",
    export_part="event_roles",
)
classify(
    "events.Registration",
    Handling.OWNED,
    "the member's answers to events, waitlist places and attendance",
    export_part="event_registrations",
)
classify(
    "events.EventFeedback",
    Handling.OWNED,
    "ratings and comments the member gave events",
    export_part="event_feedback",
)
classify(
    "events.CalendarToken",
    Handling.OWNED,
    "the secret address of the member's calendar feed (exported without the secret)",
    export_part="calendar_feed",
)


@on_account_deletion(order=76)
def forget_events(context: DeletionContext) -> None:
    from guilde.events.services import seats_freed

    member = context.member
    seats = list(
        Registration.objects.filter(member=member, waitlisted=False)
        .filter(response__in=["in_person", "online"])
        .select_related("event__community")
    )
    for model in (EventRole, Registration, EventFeedback, CalendarToken):
        model._default_manager.filter(member=member).delete()
    # Their seats go to the first in line, as when someone answers "not going".
    seats_freed(seats)
    # Events belong to their community: they stay, without their creator.
    Event.objects.filter(created_by=member).update(created_by=None)


@exporter("events_created")
def export_events(member: User) -> list[dict[str, Any]]:
    return [
        {
            "id": e.pk,
            "community": e.community.slug,
            "title": e.title,
            "start": e.start.isoformat(),
            "time_zone": e.time_zone,
        }
        for e in Event.objects.filter(created_by=member).select_related("community")
    ]


@exporter("event_roles")
def export_roles(member: User) -> list[dict[str, Any]]:
    return [
        {"id": r.pk, "event": r.event_id, "role": r.role}
        for r in EventRole.objects.filter(member=member)
    ]


@exporter("event_registrations")
def export_registrations(member: User) -> list[dict[str, Any]]:
    return [
        {
            "id": r.pk,
            "event": r.event_id,
            "title": r.event.title,
            "occurrence": occurrence_key_text(r.occurrence),
            "response": r.response,
            "waitlisted": r.waitlisted,
            "attendance": r.attendance,
        }
        for r in Registration.objects.filter(member=member).select_related("event")
    ]


@exporter("event_feedback")
def export_feedback(member: User) -> list[dict[str, Any]]:
    return [
        {"id": f.pk, "event": f.event_id, "rating": f.rating, "comment": f.comment}
        for f in EventFeedback.objects.filter(member=member)
    ]


@exporter("calendar_feed")
def export_calendar(member: User) -> list[dict[str, Any]]:
    return [
        {"id": t.pk, "created_at": t.created_at.isoformat()}
        for t in CalendarToken.objects.filter(member=member)
    ]
