"""Writes of the events app: events and their series, registrations and the waitlist,
reminders, what came out of an event, the personal calendar's secret address.

The waitlist (ADR 6): a seat is taken inside one transaction that first locks the event
row (PostgreSQL ``SELECT … FOR UPDATE``; SQLite's IMMEDIATE transactions already let one
writer in at a time), counts the seats of its kind and writes the registration; freeing a
seat promotes the first in line of that kind in the same transaction.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from guilde.accounts.models import User
from guilde.communities.models import Community, Membership, Tag
from guilde.communities.selectors import tags_named
from guilde.core import indexing
from guilde.core.events import publish
from guilde.core.markdown import render
from guilde.core.permissions import can, require
from guilde.events import recurrence
from guilde.events.models import (
    CalendarToken,
    Event,
    EventFeedback,
    EventRole,
    OccurrenceChange,
    Registration,
    validate_zone,
)
from guilde.knowledge.models import Article
from guilde.knowledge.services import CapturedSource, promote
from guilde.notifications.models import Kind
from guilde.notifications.services import notify

MAX_TAGS = 5
MAX_DURATION = timedelta(days=31)
MAX_OCCURRENCE_DURATION = timedelta(hours=24)
SEATS = (Registration.Response.IN_PERSON, Registration.Response.ONLINE)


@dataclass
class EventInput:
    """What an organiser says about an event (pages and the API build one)."""

    title: str
    start: datetime
    end: datetime
    time_zone: str
    description: str = ""
    kind: str = Event.Kind.MEETUP
    format: str = Event.Format.IN_PERSON
    venue: str = ""
    address: str = ""
    join_url: str = ""
    repeat: str = ""
    repeat_interval: int = 1
    repeat_until: date | None = None
    repeat_count: int | None = None
    capacity_in_person: int | None = None
    capacity_online: int | None = None
    registration_deadline: datetime | None = None
    tags: list[str] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)
    speakers: list[str] = field(default_factory=list)


# What a subscriber's calendar shows: a change to any of these raises SEQUENCE.
SCHEDULE_FIELDS = (
    "title", "description", "kind", "format", "venue", "address", "join_url", "start", "end",
    "time_zone", "repeat", "repeat_interval", "repeat_until", "repeat_count",
)  # fmt: skip
OTHER_FIELDS = ("capacity_in_person", "capacity_online", "registration_deadline")


_web_address = URLValidator(schemes=["http", "https"])


def _bad_address(value: str) -> bool:
    try:
        _web_address(value)
    except ValidationError:
        return True
    return False


def _check(data: EventInput) -> None:
    errors: dict[str, str] = {}
    if data.join_url.strip() and _bad_address(data.join_url.strip()):
        errors["join_url"] = _("Give a web address (http or https).")
    for name in ("start", "end", "registration_deadline"):
        value = getattr(data, name)
        if value is not None and (
            value.tzinfo is None
            or not recurrence.EARLIEST_YEAR <= value.year <= recurrence.LATEST_YEAR - 10
        ):
            errors[name] = _("Give a date and time between 1970 and 2190, with its time zone.")
    if errors:
        raise ValidationError(errors)
    if not data.title.strip():
        errors["title"] = _("Give the event a title.")
    try:
        validate_zone(data.time_zone)
    except ValidationError:
        errors["time_zone"] = _("Choose a time zone from the list.")
    if data.end <= data.start:
        errors["end"] = _("An event ends after it starts.")
    elif data.end - data.start > MAX_DURATION:
        errors["end"] = _("An event lasts at most 31 days.")
    if data.kind not in Event.Kind.values:
        errors["kind"] = _("Unknown kind of event.")
    if data.format not in Event.Format.values:
        errors["format"] = _("Unknown format.")
    elif data.format != Event.Format.ONLINE and not (data.venue.strip() or data.address.strip()):
        errors["venue"] = _("Say where it takes place: a venue or an address.")
    if data.repeat not in Event.Repeat.values:
        errors["repeat"] = _("Unknown repetition.")
    elif data.repeat:
        if data.end - data.start > MAX_OCCURRENCE_DURATION:
            errors["end"] = _("Each occurrence of a series lasts at most a day.")
        if not 1 <= data.repeat_interval <= 52:
            errors["repeat_interval"] = _("Repeat every 1 to 52 periods.")
        if data.repeat_until and data.repeat_count:
            errors["repeat_count"] = _("End the series on a date or after a number of times.")
        if data.repeat_until and not (
            data.start.date()
            <= data.repeat_until
            <= data.start.date() + timedelta(days=365 * recurrence.MAX_SERIES_YEARS)
        ):
            errors["repeat_until"] = _("The series ends after it starts and within five years.")
        if data.repeat_count is not None and not 1 <= data.repeat_count <= recurrence.MAX_COUNT:
            errors["repeat_count"] = _("A series happens 1 to 500 times.")
    for name in ("capacity_in_person", "capacity_online"):
        value = getattr(data, name)
        if value is not None and value < 0:
            errors[name] = _("Seats cannot be fewer than none.")
    if data.registration_deadline and data.registration_deadline > data.end:
        errors["registration_deadline"] = _("Registration closes before the event ends.")
    if errors:
        raise ValidationError(errors)


def _tags(community: Community, names: Iterable[str]) -> list[Tag]:
    try:
        return tags_named(community, names, limit=MAX_TAGS)
    except ValidationError as error:
        raise ValidationError({"tags": error.messages}) from error


def _people(community: Community, usernames: Iterable[str], field_name: str) -> list[User]:
    wanted = {name.strip().lstrip("@") for name in usernames if name.strip()}
    found = list(
        User.objects.real().filter(
            username__in=wanted,
            memberships__community=community,
            memberships__status=Membership.Status.ACTIVE,
        )
    )
    missing = wanted - {member.username for member in found}
    if missing:
        raise ValidationError(
            {
                field_name: _("Not members of this community: %(names)s.")
                % {"names": ", ".join(sorted(missing))}
            }
        )
    return found


def _minute(value: datetime) -> datetime:
    return value.replace(second=0, microsecond=0)


def _apply(event: Event, data: EventInput) -> None:
    event.title = data.title.strip()[:200]
    event.description = data.description
    event.description_html = render(data.description).html if data.description.strip() else ""
    event.kind, event.format = data.kind, data.format
    event.venue, event.address = data.venue.strip(), data.address.strip()
    event.join_url = data.join_url.strip()
    # Calendars count in whole seconds; pages and forms in minutes.
    event.start, event.end = _minute(data.start), _minute(data.end)
    event.time_zone = data.time_zone
    event.repeat, event.repeat_interval = data.repeat, data.repeat_interval if data.repeat else 1
    event.repeat_until = data.repeat_until if data.repeat else None
    event.repeat_count = data.repeat_count if data.repeat and not data.repeat_until else None
    event.capacity_in_person, event.capacity_online = data.capacity_in_person, data.capacity_online
    event.registration_deadline = data.registration_deadline
    event.last_end = recurrence.series_last_end(event)


def _set_roles(event: Event, data: EventInput, actor: User) -> None:
    hosts = _people(event.community, data.hosts, "hosts") if data.hosts else [actor]
    speakers = _people(event.community, data.speakers, "speakers")
    EventRole.objects.filter(event=event).delete()
    EventRole.objects.bulk_create(
        [EventRole(event=event, member=m, role=EventRole.Role.HOST) for m in hosts]
        + [EventRole(event=event, member=m, role=EventRole.Role.SPEAKER) for m in speakers]
    )


@transaction.atomic
def event_create(*, actor: User, community: Community, data: EventInput) -> Event:
    require(actor, "create_event", community)
    _check(data)
    tags = _tags(community, data.tags)
    event = Event(community=community, created_by=actor)
    _apply(event, data)
    event.save()
    event.tags.set(tags)
    _set_roles(event, data, actor)
    indexing.changed("event", event.pk)
    publish("event.created", event_id=event.pk)
    return event


def _locked(event: Event) -> Event:
    locked = (
        Event.objects.select_for_update(of=("self",), no_key=True)
        .select_related("community")
        .get(pk=event.pk)
    )
    return locked


@transaction.atomic
def event_update(*, actor: User, event: Event, data: EventInput) -> Event:
    """Change an event. A change calendars show raises SEQUENCE and tells those registered;
    moving a series moves its registrations and changed occurrences with it; more seats
    promote the waitlist."""
    require(actor, "edit", event)
    if event.is_cancelled:
        raise ValidationError(_("A cancelled event cannot be changed."))
    _check(data)
    event = _locked(event)
    tags = _tags(event.community, data.tags)
    before = {name: getattr(event, name) for name in SCHEDULE_FIELDS + OTHER_FIELDS}
    old_start = event.start
    _apply(event, data)
    changed = [name for name in SCHEDULE_FIELDS if getattr(event, name) != before[name]]
    if changed:
        event.sequence += 1
    event.updated_at = timezone.now()
    event.save()
    event.tags.set(tags)
    _set_roles(event, data, actor)
    if event.repeat and (event.start != old_start or event.time_zone != before["time_zone"]):
        _rekey(event, old_start, zoneinfo.ZoneInfo(str(before["time_zone"])))
    if {"start", "end", "time_zone", "repeat", "venue", "address", "format"} & set(changed):
        _tell_registered(event, actor=actor, what="changed")
    waiting = Registration.objects.filter(event=event, waitlisted=True)
    now, duration = timezone.now(), event.end - event.start
    for key in set(waiting.values_list("occurrence", flat=True)):
        if (key or event.start) + duration <= now:
            continue  # over: nobody is told a seat freed up for the past
        for kind in SEATS:
            _promote(event, key, kind)
    indexing.changed("event", event.pk)
    return event


def _rekey(event: Event, old_start: datetime, old_zone: zoneinfo.ZoneInfo) -> None:
    """A series moved (or changed zone): its answers and changed occurrences follow, each
    by the same wall-clock shift as the series (across daylight saving, a UTC shift would
    leave them on times the rule no longer gives). Rows are written anew, so that two
    neighbouring occurrences never meet on one key midway."""
    zone = event.zone
    shift = event.start.astimezone(zone).replace(tzinfo=None) - old_start.astimezone(
        old_zone
    ).replace(tzinfo=None)

    def moved(key: datetime) -> datetime:
        local = key.astimezone(old_zone).replace(tzinfo=None) + shift
        return local.replace(tzinfo=zone).astimezone(UTC)

    changes = list(OccurrenceChange.objects.filter(event=event))
    OccurrenceChange.objects.filter(event=event).delete()
    for change in changes:
        change.pk, change.original_start = None, moved(change.original_start)
    OccurrenceChange.objects.bulk_create(changes)
    answers = list(Registration.objects.filter(event=event, occurrence__isnull=False))
    Registration.objects.filter(pk__in=[r.pk for r in answers]).delete()
    for registration in answers:
        registration.pk = None
        registration.occurrence = moved(registration.occurrence or old_start)
    Registration.objects.bulk_create(answers)


def _registered(
    event: Event, occurrence: datetime | None, *, all_of_series: bool
) -> QuerySet[Registration]:
    found = Registration.objects.filter(event=event).exclude(
        response=Registration.Response.NOT_GOING
    )
    if not all_of_series:
        found = found.filter(occurrence=occurrence)
    return found.select_related("member")


def _tell(registration: Registration, *, actor: User | None, what: str, **data: object) -> None:
    event = registration.event
    member = registration.member
    if not can(member, "view", event):
        return
    notify(
        recipient=member,
        kind=Kind.EVENT,
        actor=actor,
        community=event.community,
        data={
            "event": event.pk,
            "what": what,
            "label": event.title,
            "occurrence": recurrence.occurrence_key_text(registration.occurrence),
            **data,
        },
        check_visibility=False,
    )


def _tell_registered(
    event: Event,
    *,
    actor: User | None,
    what: str,
    occurrence: datetime | None = None,
    only_occurrence: bool = False,
    **data: object,
) -> None:
    told: set[int] = set()
    for registration in _registered(event, occurrence, all_of_series=not only_occurrence):
        if registration.member_id in told:
            continue  # a series' registrations: one notification per member
        told.add(registration.member_id)
        registration.event = event
        _tell(registration, actor=actor, what=what, **data)


@transaction.atomic
def event_cancel(*, actor: User, event: Event, reason: str) -> Event:
    """Cancel the whole event (a series: every occurrence) and tell everyone registered.
    Calendars keep it with STATUS:CANCELLED."""
    require(actor, "edit", event)
    event = _locked(event)
    if event.is_cancelled:
        return event
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why it is cancelled: those registered read it.")})
    event.status = Event.Status.CANCELLED
    event.cancel_reason = reason[:500]
    event.sequence += 1
    event.updated_at = timezone.now()
    event.save(update_fields=["status", "cancel_reason", "sequence", "updated_at"])
    _tell_registered(event, actor=actor, what="cancelled", reason=event.cancel_reason)
    indexing.changed("event", event.pk)
    publish("event.cancelled", event_id=event.pk)
    return event


def _occurrence(event: Event, key: datetime | None) -> recurrence.Occurrence:
    found = recurrence.occurrence_at(event, key, event.changes.all())
    if found is None:
        raise ValidationError({"occurrence": _("This event has no such occurrence.")})
    return found


@transaction.atomic
def occurrence_cancel(*, actor: User, event: Event, key: datetime, reason: str) -> None:
    """Cancel one occurrence of a series (EXDATE in calendars) and tell those registered."""
    require(actor, "edit", event)
    event = _locked(event)
    if not event.repeat:
        raise ValidationError(_("Cancel a single event as a whole."))
    _occurrence(event, key)
    OccurrenceChange.objects.update_or_create(
        event=event,
        original_start=key,
        defaults={"cancelled": True, "start": None, "end": None, "note": reason.strip()[:500]},
    )
    event.sequence += 1
    event.updated_at = timezone.now()
    event.save(update_fields=["sequence", "updated_at"])
    _tell_registered(
        event,
        actor=actor,
        what="cancelled",
        occurrence=key,
        only_occurrence=True,
        reason=reason.strip()[:500],
    )


@transaction.atomic
def occurrence_move(
    *, actor: User, event: Event, key: datetime, start: datetime, end: datetime
) -> None:
    """Give one occurrence of a series another time (RECURRENCE-ID in calendars)."""
    require(actor, "edit", event)
    event = _locked(event)
    if not event.repeat:
        raise ValidationError(_("Change a single event's time by editing it."))
    _occurrence(event, key)
    if end <= start:
        raise ValidationError({"end": _("An event ends after it starts.")})
    if end - start > MAX_OCCURRENCE_DURATION:
        raise ValidationError({"end": _("Each occurrence of a series lasts at most a day.")})
    OccurrenceChange.objects.update_or_create(
        event=event,
        original_start=key,
        defaults={"cancelled": False, "start": _minute(start), "end": _minute(end)},
    )
    if event.last_end is not None and end > event.last_end:
        event.last_end = end  # lists and calendars select by it
    event.sequence += 1
    event.updated_at = timezone.now()
    event.save(update_fields=["sequence", "updated_at", "last_end"])
    _tell_registered(event, actor=actor, what="changed", occurrence=key, only_occurrence=True)


# Registration and the waitlist ---------------------------------------------------------------


def _seats_taken(event: Event, key: datetime | None, response: str) -> int:
    return Registration.objects.filter(
        event=event, occurrence=key, response=response, waitlisted=False
    ).count()


def _capacity(event: Event, response: str) -> int | None:
    if response == Registration.Response.IN_PERSON:
        return event.capacity_in_person
    return event.capacity_online


def _promote(event: Event, key: datetime | None, response: str) -> list[Registration]:
    """Give free seats of ``response``'s kind to the waitlist, first come first served."""
    capacity = _capacity(event, response)
    waiting = Registration.objects.filter(
        event=event, occurrence=key, response=response, waitlisted=True
    ).order_by("waiting_since", "pk")
    if capacity is not None:
        waiting = waiting[: max(0, capacity - _seats_taken(event, key, response))]
    promoted = []
    for registration in waiting.select_related("member"):
        registration.waitlisted, registration.waiting_since = False, None
        registration.updated_at = timezone.now()
        registration.save(update_fields=["waitlisted", "waiting_since", "updated_at"])
        registration.event = event
        _tell(registration, actor=None, what="promoted")
        promoted.append(registration)
    return promoted


def seats_freed(registrations: Iterable[Registration]) -> None:
    """Seats these (now deleted) registrations held go to the waitlist."""
    for registration in registrations:
        with transaction.atomic():
            event = _locked(registration.event)
            _promote(event, registration.occurrence, registration.response)


@transaction.atomic
def rsvp(
    *, actor: User, event: Event, response: str, occurrence: datetime | None = None
) -> Registration:
    """Answer for an event (a series: one occurrence). "Going" takes a seat of its kind, or
    a place on the waitlist when they are all taken; leaving a seat gives it to the first
    in line."""
    event = _locked(event)
    require(actor, "register", event)
    if response not in Registration.Response.values:
        raise ValidationError({"response": _("Unknown answer.")})
    if response == Registration.Response.IN_PERSON and not event.in_person:
        raise ValidationError({"response": _("This event takes place online only.")})
    if response == Registration.Response.ONLINE and not event.online:
        raise ValidationError({"response": _("This event takes place in person only.")})
    found = _occurrence(event, occurrence)
    now = timezone.now()
    if found.end <= now:
        raise ValidationError(_("This event is over."))
    existing = Registration.objects.filter(event=event, member=actor, occurrence=found.key).first()
    closed = event.registration_deadline is not None and now > event.registration_deadline
    if closed and response != Registration.Response.NOT_GOING:
        raise ValidationError(_("Registration is closed."))
    registration = existing or Registration(event=event, member=actor, occurrence=found.key)
    freed = registration.response if existing is not None and existing.has_seat else None
    same_seat = existing is not None and existing.response == response
    registration.response = response
    registration.updated_at = now
    if response in SEATS and not same_seat:
        capacity = _capacity(event, response)
        full = capacity is not None and _seats_taken(event, found.key, response) >= capacity
        registration.waitlisted = full
        registration.waiting_since = now if full else None
    elif response not in SEATS:
        registration.waitlisted, registration.waiting_since = False, None
    registration.save()
    if freed and freed != response:
        _promote(event, found.key, freed)
    registration.event = event
    return registration


# After the event ---------------------------------------------------------------------------


@transaction.atomic
def attendance_mark(
    *,
    actor: User,
    event: Event,
    member: User,
    attendance: str,
    occurrence: datetime | None = None,
) -> Registration:
    """Hosts mark who came, in person or online (a member who came unregistered too)."""
    require(actor, "edit", event)
    if attendance not in Registration.Attendance.values:
        raise ValidationError({"attendance": _("Unknown attendance.")})
    found = _occurrence(event, occurrence)
    if found.start > timezone.now():
        raise ValidationError(_("Attendance is marked once the event has started."))
    if not Membership.objects.filter(
        community=event.community, member=member, status=Membership.Status.ACTIVE
    ).exists():
        raise ValidationError({"member": _("Not a member of this community.")})
    registration, _created = Registration.objects.get_or_create(
        event=event,
        member=member,
        occurrence=found.key,
        defaults={
            "response": attendance if attendance in SEATS else Registration.Response.NOT_GOING
        },
    )
    if registration.response == Registration.Response.NOT_GOING and attendance in SEATS:
        registration.response = attendance
    registration.attendance = attendance
    registration.updated_at = timezone.now()
    registration.save(update_fields=["attendance", "response", "updated_at"])
    return registration


@transaction.atomic
def followup_save(
    *, actor: User, event: Event, notes: str, recording_url: str, outcomes: str
) -> Event:
    """Notes, the recording's address and the outcomes of an event."""
    require(actor, "edit", event)
    if recording_url.strip() and _bad_address(recording_url.strip()):
        raise ValidationError({"recording_url": _("Give a web address (http or https).")})
    event.notes = notes
    event.notes_html = render(notes).html if notes.strip() else ""
    event.recording_url = recording_url.strip()
    event.outcomes = outcomes.strip()
    event.updated_at = timezone.now()
    event.save(update_fields=["notes", "notes_html", "recording_url", "outcomes", "updated_at"])
    indexing.changed("event", event.pk)
    return event


def source_from_event(*, viewer: User, event: Event) -> CapturedSource:
    """An event's notes (and outcomes) as the source of a draft article."""
    require(viewer, "edit", event)
    if not event.notes.strip():
        raise ValidationError(_("Write the event's notes first: they become the article."))
    parts = [event.notes.strip()]
    if event.outcomes:
        parts.append(f"## {_('Outcomes')}\n\n{event.outcomes}")
    if event.recording_url:
        parts.append(f"{_('Recording')}: <{event.recording_url}>")
    return CapturedSource(
        community=event.community,
        source_type="event",
        source_id=event.pk,
        label=event.title,
        url=event.get_absolute_url(),
        title=event.title,
        body="\n\n".join(parts) + "\n",
        kind=Article.Kind.LESSON,
        tags=[tag.slug for tag in event.tags.all()],
    )


def capture(*, actor: User, event: Event) -> Article:
    """ "Capture as knowledge": a draft article from the event's notes, naming the event."""
    return promote(actor=actor, source=source_from_event(viewer=actor, event=event))


@transaction.atomic
def feedback_give(*, actor: User, event: Event, rating: int, comment: str = "") -> EventFeedback:
    require(actor, "feedback", event)
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": _("Rate it from 1 to 5.")})
    feedback, _created = EventFeedback.objects.update_or_create(
        event=event, member=actor, defaults={"rating": rating, "comment": comment.strip()[:2000]}
    )
    return feedback


# Reminders ---------------------------------------------------------------------------------

DAY, HOUR = timedelta(hours=24), timedelta(hours=1)


def send_reminders(now: datetime | None = None) -> int:
    """Remind those with a seat a day and an hour before each occurrence (the scheduler runs
    it every five minutes). A member who registered within the last day before it gets only
    the hour's. Returns how many reminders went out."""
    now = now or timezone.now()
    due = (
        Registration.objects.filter(
            response__in=SEATS,
            waitlisted=False,
            reminded_hour_at__isnull=True,
            event__status=Event.Status.SCHEDULED,
        )
        .filter(
            Q(occurrence__isnull=True, event__start__gt=now, event__start__lte=now + DAY)
            | Q(occurrence__gt=now - DAY, occurrence__lte=now + 2 * DAY)
            # An occurrence moved further: by its new time.
            | Q(
                Exists(
                    OccurrenceChange.objects.filter(
                        event=OuterRef("event"),
                        original_start=OuterRef("occurrence"),
                        cancelled=False,
                        start__gt=now,
                        start__lte=now + DAY,
                    )
                )
            )
        )
        .select_related("event__community", "member")
    )
    sent = 0
    for registration in due:
        event = registration.event
        found = recurrence.occurrence_at(event, registration.occurrence, event.changes.all())
        if found is None or not now < found.start <= now + DAY:
            continue
        which = "reminder_hour" if found.start - now <= HOUR else "reminder_day"
        with transaction.atomic():
            if which == "reminder_day" and registration.reminded_day_at is None:
                registration.reminded_day_at = now
                if registration.created_at <= found.start - DAY:
                    _tell(registration, actor=None, what="reminder", start=found.start.isoformat())
                    sent += 1
            elif which == "reminder_hour":
                registration.reminded_day_at = registration.reminded_day_at or now
                registration.reminded_hour_at = now
                _tell(registration, actor=None, what="reminder", start=found.start.isoformat())
                sent += 1
            registration.save(update_fields=["reminded_day_at", "reminded_hour_at"])
    return sent


# The personal calendar's address --------------------------------------------------------------


def calendar_token(member: User) -> CalendarToken:
    token, _created = CalendarToken.objects.get_or_create(member=member)
    return token


@transaction.atomic
def calendar_token_reset(*, member: User) -> CalendarToken:
    """A new secret address for the member's calendar; the old one stops working."""
    CalendarToken.objects.filter(member=member).delete()
    return CalendarToken.objects.create(member=member)
