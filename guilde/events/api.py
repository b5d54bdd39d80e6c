"""API of events: occurrences over a range (a community's, or across the viewer's
communities), an event, organising it (create, change, cancel, one occurrence), answering
(RSVP), attendance, notes and capture, feedback, calendars (.ics) and the personal feed's
address."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import AwareDatetime

from guilde.accounts.api import refused, signed_in
from guilde.accounts.models import User
from guilde.api.auth import member_auth, public_auth
from guilde.communities.selectors import community_get, with_viewer_membership
from guilde.core.permissions import can, require
from guilde.events import calendars, selectors, services
from guilde.events.models import Event, Registration
from guilde.events.recurrence import (
    Occurrence,
    occurrence_at,
    occurrence_key_text,
    parse_occurrence_key,
)

router = Router(tags=["events"])

KindLiteral = Literal[
    "workshop", "webinar", "meetup", "conference", "brainstorming", "office_hours", "other"
]
FormatLiteral = Literal["in_person", "online", "hybrid"]
RepeatLiteral = Literal["", "daily", "weekly", "monthly_weekday", "monthly_day"]
ResponseLiteral = Literal["in_person", "online", "interested", "not_going"]
AttendanceLiteral = Literal["", "in_person", "online", "absent"]
MAX_RANGE_DAYS = 366
MAX_OCCURRENCES = 1000


def _event(request: HttpRequest, event_id: int, action: str = "view") -> Event:
    event = (
        selectors.with_details(selectors.event_queryset(viewer=request.user), request.user)
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        raise HttpError(404, "Not found.")
    with_viewer_membership([event.community], request.user)
    require(request.user, action, event)
    return event


def _key(event: Event, text: str | None) -> Any:
    if not text:
        return None
    key = parse_occurrence_key(text)
    if key is None or occurrence_at(event, key, event.changes.all()) is None:
        raise HttpError(404, "This event has no such occurrence.")
    return key


# Schemas -------------------------------------------------------------------------------------


class EventPersonOut(Schema):
    username: str
    name: str


class EventOut(Schema):
    id: int
    community: str
    title: str
    kind: KindLiteral
    format: FormatLiteral
    status: Literal["scheduled", "cancelled"]
    cancel_reason: str
    start: datetime
    end: datetime
    time_zone: str
    repeat: RepeatLiteral
    repeat_interval: int
    repeat_until: date | None
    repeat_count: int | None
    venue: str
    address: str
    join_url: str | None = Field(None, description="Only for those with a seat and hosts.")
    capacity_in_person: int | None
    capacity_online: int | None
    registration_deadline: datetime | None
    tags: list[str]
    hosts: list[EventPersonOut]
    speakers: list[EventPersonOut]
    sequence: int
    updated_at: datetime
    url: str


class EventDetailOut(EventOut):
    description: str
    description_html: str
    notes: str
    notes_html: str
    recording_url: str
    outcomes: str
    cancelled_occurrences: list[datetime]


class OccurrenceOut(Schema):
    event: EventOut
    occurrence: str = Field(
        description="The occurrence's key (its original start); empty for a single event."
    )
    start: datetime
    end: datetime
    moved: bool
    my_response: ResponseLiteral | None
    waitlisted: bool


class RangeOut(Schema):
    start: datetime
    end: datetime
    truncated: bool
    results: list[OccurrenceOut]


class RangeParams(Schema):
    start: AwareDatetime | None = Field(None, description="Default: now.")
    end: AwareDatetime | None = Field(
        None, description="Default: 90 days after start; at most 366."
    )
    mine: bool = Field(False, description="Only the communities I belong to.")


class EventIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=50_000)
    kind: KindLiteral = "meetup"
    format: FormatLiteral = "in_person"
    start: AwareDatetime = Field(
        description="With an offset; shown on the wall clock of time_zone."
    )
    end: AwareDatetime
    time_zone: str = Field(..., max_length=64, description="An IANA zone, e.g. Europe/Paris.")
    venue: str = Field("", max_length=200)
    address: str = Field("", max_length=500)
    join_url: str = Field("", max_length=500)
    repeat: RepeatLiteral = ""
    repeat_interval: int = Field(1, ge=1, le=52)
    repeat_until: date | None = None
    repeat_count: int | None = Field(None, ge=1, le=500)
    capacity_in_person: int | None = Field(None, ge=0)
    capacity_online: int | None = Field(None, ge=0)
    registration_deadline: AwareDatetime | None = None
    tags: list[str] = Field(default_factory=list)
    hosts: list[str] = Field(default_factory=list, description="Usernames; default: me.")
    speakers: list[str] = Field(default_factory=list)


class CancelIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500)


class MoveIn(Schema):
    start: AwareDatetime
    end: AwareDatetime


class RsvpIn(Schema):
    response: ResponseLiteral
    occurrence: str = Field("", description="For a series: the occurrence's key.")


class RegistrationOut(Schema):
    event: int
    occurrence: str
    member: EventPersonOut
    response: ResponseLiteral
    waitlisted: bool
    attendance: AttendanceLiteral


class AttendanceIn(Schema):
    member: str = Field(..., description="Username.")
    attendance: AttendanceLiteral
    occurrence: str = ""


class FollowupIn(Schema):
    notes: str = Field("", max_length=100_000)
    recording_url: str = Field("", max_length=500)
    outcomes: str = Field("", max_length=10_000)


class EventFeedbackIn(Schema):
    rating: int = Field(..., ge=1, le=5)
    comment: str = Field("", max_length=2000)


class FeedbackOut(Schema):
    rating: int
    comment: str


class CapturedOut(Schema):
    article: int
    url: str


class CalendarAddressOut(Schema):
    url: str


# Conversions ---------------------------------------------------------------------------------


def _person(member: User) -> dict[str, str]:
    return {"username": member.username, "name": member.name}


def _event_out(viewer: Any, event: Event) -> dict[str, Any]:
    roles = list(event.roles.all())
    return {
        "id": event.pk,
        "community": event.community.slug,
        "title": event.title,
        "kind": event.kind,
        "format": event.format,
        "status": event.status,
        "cancel_reason": event.cancel_reason,
        "start": event.start,
        "end": event.end,
        "time_zone": event.time_zone,
        "repeat": event.repeat,
        "repeat_interval": event.repeat_interval,
        "repeat_until": event.repeat_until,
        "repeat_count": event.repeat_count,
        "venue": event.venue,
        "address": event.address,
        "join_url": event.join_url if can(viewer, "join_link", event) else None,
        "capacity_in_person": event.capacity_in_person,
        "capacity_online": event.capacity_online,
        "registration_deadline": event.registration_deadline,
        "tags": [tag.slug for tag in event.tags.all()],
        "hosts": [_person(r.member) for r in roles if r.role == "host"],
        "speakers": [_person(r.member) for r in roles if r.role == "speaker"],
        "sequence": event.sequence,
        "updated_at": event.updated_at,
        "url": event.get_absolute_url(),
    }


def _detail(viewer: Any, event: Event) -> dict[str, Any]:
    return {
        **_event_out(viewer, event),
        "description": event.description,
        "description_html": event.description_html,
        "notes": event.notes,
        "notes_html": event.notes_html,
        "recording_url": event.recording_url,
        "outcomes": event.outcomes,
        "cancelled_occurrences": [c.original_start for c in event.changes.all() if c.cancelled],
    }


def _occurrence_out(
    viewer: Any, occurrence: Occurrence, events: dict[int, dict[str, Any]]
) -> dict[str, Any]:
    """``events``: each event's part, made once for all its occurrences."""
    event = occurrence.event
    mine = selectors.my_registrations(viewer, event).get(occurrence.key)
    if event.pk not in events:
        events[event.pk] = _event_out(viewer, event)
    return {
        "event": events[event.pk],
        "occurrence": occurrence.key_text,
        "start": occurrence.start,
        "end": occurrence.end,
        "moved": occurrence.moved,
        "my_response": mine.response if mine else None,
        "waitlisted": bool(mine and mine.waitlisted),
    }


def _registration_out(registration: Registration) -> dict[str, Any]:
    return {
        "event": registration.event_id,
        "occurrence": occurrence_key_text(registration.occurrence),
        "member": _person(registration.member),
        "response": registration.response,
        "waitlisted": registration.waitlisted,
        "attendance": registration.attendance,
    }


def _input(data: EventIn) -> services.EventInput:
    values = data.dict()
    return services.EventInput(**values)


def _range(request: HttpRequest, params: RangeParams, community: Any) -> dict[str, Any]:
    start = params.start or timezone.now()
    if not selectors.EARLIEST.year <= start.year <= selectors.LATEST.year:
        raise HttpError(422, "The range lies between 1970 and 2200.")
    end = params.end or start + timedelta(days=selectors.LIST_DAYS)
    if end <= start or end - start > timedelta(days=MAX_RANGE_DAYS):
        raise HttpError(422, "The range ends after it starts, within 366 days.")
    if end.year > selectors.LATEST.year:
        raise HttpError(422, "The range lies between 1970 and 2200.")
    found = selectors.occurrences(
        viewer=request.user,
        start=start,
        end=end,
        community=community,
        mine=params.mine and request.user.is_authenticated,
    )
    made: dict[int, dict[str, Any]] = {}
    return {
        "start": start,
        "end": end,
        "truncated": len(found) > MAX_OCCURRENCES,
        "results": [_occurrence_out(request.user, o, made) for o in found[:MAX_OCCURRENCES]],
    }


# Reading -------------------------------------------------------------------------------------


@router.get("/events", response=RangeOut, auth=public_auth)
def event_range(request: HttpRequest, params: Query[RangeParams]) -> dict[str, Any]:
    """Occurrences of the events I may see over a range, by start (a series: each one)."""
    return _range(request, params, None)


@router.get("/communities/{slug}/events", response=RangeOut, auth=public_auth)
def community_event_range(
    request: HttpRequest, slug: str, params: Query[RangeParams]
) -> dict[str, Any]:
    community = community_get(viewer=request.user, slug=slug, action="view", details=False)
    return _range(request, params, community)


@router.get("/events/{event_id}", response=EventDetailOut, auth=public_auth)
def event_detail(request: HttpRequest, event_id: int) -> dict[str, Any]:
    return _detail(request.user, _event(request, event_id))


def _calendar_response(body: bytes) -> HttpResponse:
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


@router.get(
    "/events/{event_id}/ics",
    auth=public_auth,
    response={200: str},
    openapi_extra={"responses": {200: {"content": {"text/calendar": {}}}}},
)
def event_ics(request: HttpRequest, event_id: int) -> HttpResponse:
    """The event as an RFC 5545 calendar."""
    event = _event(request, event_id)
    return _calendar_response(calendars.event_ics(viewer=request.user, event=event))


@router.get(
    "/communities/{slug}/events/ics",
    auth=public_auth,
    response={200: str},
    openapi_extra={"responses": {200: {"content": {"text/calendar": {}}}}},
)
def community_ics(request: HttpRequest, slug: str) -> HttpResponse:
    """The community's calendar feed (what the viewer may see; never join links)."""
    community = community_get(viewer=request.user, slug=slug, action="view", details=False)
    events = selectors.community_feed_events(viewer=request.user, community=community)
    body = calendars.community_ics(
        viewer=request.user, name=community.name, slug=community.slug, events=events
    )
    return _calendar_response(body)


@router.get("/events/{event_id}/registrations", response=list[RegistrationOut], auth=member_auth)
def registration_list(
    request: HttpRequest, event_id: int, occurrence: str = ""
) -> list[dict[str, Any]]:
    """Who answered, with attendance: for those who run the event."""
    event = _event(request, event_id, "edit")
    key = _key(event, occurrence)
    rows = Registration.objects.filter(event=event, occurrence=key).select_related("member")
    return [_registration_out(r) for r in rows.order_by("created_at", "pk")]


# Organising ----------------------------------------------------------------------------------


@router.post("/communities/{slug}/events", response={201: EventDetailOut}, auth=member_auth)
def event_create(request: HttpRequest, slug: str, data: EventIn) -> Status[dict[str, Any]]:
    member = signed_in(request)
    community = community_get(viewer=member, slug=slug, action="create_event", details=False)
    try:
        event = services.event_create(actor=member, community=community, data=_input(data))
    except ValidationError as error:
        raise refused(error) from error
    return Status(201, _detail(member, _event(request, event.pk)))


@router.put("/events/{event_id}", response=EventDetailOut, auth=member_auth)
def event_update(request: HttpRequest, event_id: int, data: EventIn) -> dict[str, Any]:
    member = signed_in(request)
    try:
        services.event_update(
            actor=member, event=_event(request, event_id, "edit"), data=_input(data)
        )
    except ValidationError as error:
        raise refused(error) from error
    return _detail(member, _event(request, event_id))


@router.post("/events/{event_id}/cancel", response=EventDetailOut, auth=member_auth)
def event_cancel(request: HttpRequest, event_id: int, data: CancelIn) -> dict[str, Any]:
    member = signed_in(request)
    try:
        services.event_cancel(
            actor=member, event=_event(request, event_id, "edit"), reason=data.reason
        )
    except ValidationError as error:
        raise refused(error) from error
    return _detail(member, _event(request, event_id))


@router.post(
    "/events/{event_id}/occurrences/{occurrence}/cancel",
    response=EventDetailOut,
    auth=member_auth,
)
def occurrence_cancel(
    request: HttpRequest, event_id: int, occurrence: str, data: CancelIn
) -> dict[str, Any]:
    member = signed_in(request)
    event = _event(request, event_id, "edit")
    try:
        services.occurrence_cancel(
            actor=member, event=event, key=_key(event, occurrence), reason=data.reason
        )
    except ValidationError as error:
        raise refused(error) from error
    return _detail(member, _event(request, event_id))


@router.post(
    "/events/{event_id}/occurrences/{occurrence}/move", response=EventDetailOut, auth=member_auth
)
def occurrence_move(
    request: HttpRequest, event_id: int, occurrence: str, data: MoveIn
) -> dict[str, Any]:
    member = signed_in(request)
    event = _event(request, event_id, "edit")
    try:
        services.occurrence_move(
            actor=member,
            event=event,
            key=_key(event, occurrence),
            start=data.start,
            end=data.end,
        )
    except ValidationError as error:
        raise refused(error) from error
    return _detail(member, _event(request, event_id))


# Taking part ---------------------------------------------------------------------------------


@router.put("/events/{event_id}/rsvp", response=RegistrationOut, auth=member_auth)
def rsvp(request: HttpRequest, event_id: int, data: RsvpIn) -> dict[str, Any]:
    """Answer; "going" takes a seat or a place on the waitlist (``waitlisted``)."""
    member = signed_in(request)
    event = _event(request, event_id, "register")
    try:
        registration = services.rsvp(
            actor=member,
            event=event,
            response=data.response,
            occurrence=_key(event, data.occurrence),
        )
    except ValidationError as error:
        raise refused(error) from error
    return _registration_out(registration)


@router.put("/events/{event_id}/attendance", response=RegistrationOut, auth=member_auth)
def attendance_mark(request: HttpRequest, event_id: int, data: AttendanceIn) -> dict[str, Any]:
    member = signed_in(request)
    event = _event(request, event_id, "edit")
    attendee = User.objects.real().filter(username=data.member).first()
    if attendee is None:
        raise HttpError(404, "No such member.")
    try:
        registration = services.attendance_mark(
            actor=member,
            event=event,
            member=attendee,
            attendance=data.attendance,
            occurrence=_key(event, data.occurrence),
        )
    except ValidationError as error:
        raise refused(error) from error
    return _registration_out(registration)


@router.put("/events/{event_id}/notes", response=EventDetailOut, auth=member_auth)
def followup_save(request: HttpRequest, event_id: int, data: FollowupIn) -> dict[str, Any]:
    member = signed_in(request)
    services.followup_save(actor=member, event=_event(request, event_id, "edit"), **data.dict())
    return _detail(member, _event(request, event_id))


@router.post("/events/{event_id}/capture", response={201: CapturedOut}, auth=member_auth)
def capture(request: HttpRequest, event_id: int) -> Status[dict[str, Any]]:
    """A draft article from the event's notes (the knowledge base's capture)."""
    member = signed_in(request)
    try:
        article = services.capture(actor=member, event=_event(request, event_id, "edit"))
    except (ValidationError, PermissionDenied) as error:
        raise refused(error) from error
    return Status(201, {"article": article.pk, "url": article.get_absolute_url()})


@router.put("/events/{event_id}/feedback", response=FeedbackOut, auth=member_auth)
def feedback_give(request: HttpRequest, event_id: int, data: EventFeedbackIn) -> dict[str, Any]:
    member = signed_in(request)
    try:
        feedback = services.feedback_give(
            actor=member,
            event=_event(request, event_id, "feedback"),
            rating=data.rating,
            comment=data.comment,
        )
    except ValidationError as error:
        raise refused(error) from error
    return {"rating": feedback.rating, "comment": feedback.comment}


# The personal calendar ---------------------------------------------------------------------


def _address(request: HttpRequest, token: str) -> dict[str, str]:
    return {"url": request.build_absolute_uri(reverse("events:member_feed", args=[token]))}


@router.get("/me/calendar", response=CalendarAddressOut, auth=member_auth)
def calendar_address(request: HttpRequest) -> dict[str, str]:
    """The secret address of my calendar feed (every event I registered for)."""
    return _address(request, services.calendar_token(signed_in(request)).token)


@router.post("/me/calendar/reset", response=CalendarAddressOut, auth=member_auth)
def calendar_address_reset(request: HttpRequest) -> dict[str, str]:
    """A new secret address; the old one stops working."""
    return _address(request, services.calendar_token_reset(member=signed_in(request)).token)
