"""Events of a community: what, when (wall clock + IANA zone, ADR 6), where, how often;
who hosts and speaks; who registered, on the waitlist, attended; what came out of it.

An event's visibility is its community's. A series (``repeat`` set) has occurrences
computed from its rule (``guilde.events.recurrence``); an occurrence cancelled or moved is
an :class:`OccurrenceChange` keyed by its original start. Registrations of a series are per
occurrence (the occurrence's original start); a single event's have ``occurrence`` null.
"""

from __future__ import annotations

import secrets
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guilde.communities.models import Community, Tag
from guilde.core.zones import known_zones


def validate_zone(value: str) -> None:
    if value not in known_zones():
        raise ValidationError(_("Unknown time zone: %(zone)s."), params={"zone": value})


class Event(models.Model):
    class Kind(models.TextChoices):
        WORKSHOP = "workshop", _("Workshop")
        WEBINAR = "webinar", _("Webinar")
        MEETUP = "meetup", _("Meetup")
        CONFERENCE = "conference", _("Conference")
        BRAINSTORMING = "brainstorming", _("Brainstorming session")
        OFFICE_HOURS = "office_hours", _("Office hours")
        OTHER = "other", _("Other")

    class Format(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        ONLINE = "online", _("Online")
        HYBRID = "hybrid", _("Hybrid: in person and online")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    class Repeat(models.TextChoices):
        NEVER = "", _("Does not repeat")
        DAILY = "daily", _("Every day")
        WEEKLY = "weekly", _("Every week")
        MONTHLY_WEEKDAY = "monthly_weekday", _("Every month, on the same weekday")
        MONTHLY_DAY = "monthly_day", _("Every month, on the same date")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="events")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=50_000, blank=True)
    description_html = models.TextField(_("description as HTML"), blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.MEETUP)
    format = models.CharField(
        _("format"), max_length=10, choices=Format.choices, default=Format.IN_PERSON
    )
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=500, blank=True)
    join_url = models.URLField(_("join link"), max_length=500, blank=True)
    # Aware datetimes (stored in UTC) and the zone the organiser meant: recurrence and
    # feeds work on the wall clock in that zone (ADR 6).
    start = models.DateTimeField(_("starts"))
    end = models.DateTimeField(_("ends"))
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[validate_zone])
    repeat = models.CharField(
        _("repeats"), max_length=16, choices=Repeat.choices, default=Repeat.NEVER, blank=True
    )
    repeat_interval = models.PositiveSmallIntegerField(_("every"), default=1)
    # The last day an occurrence may start on (in the event's zone), or a number of them.
    repeat_until = models.DateField(_("until"), null=True, blank=True)
    repeat_count = models.PositiveSmallIntegerField(_("times"), null=True, blank=True)
    # When a series ends (the last occurrence's end), for the queries of lists and
    # calendars; null for a series without an end. A single event: its end.
    last_end = models.DateTimeField(_("last occurrence ends"), null=True, blank=True)
    capacity_in_person = models.PositiveIntegerField(_("in-person seats"), null=True, blank=True)
    capacity_online = models.PositiveIntegerField(_("online seats"), null=True, blank=True)
    registration_deadline = models.DateTimeField(_("registration closes"), null=True, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="events", verbose_name=_("tags"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    cancel_reason = models.CharField(_("why it is cancelled"), max_length=500, blank=True)
    # RFC 5545 SEQUENCE: rises with every change a calendar subscriber sees.
    sequence = models.PositiveIntegerField(_("revision"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    # After the event.
    notes = models.TextField(_("notes"), max_length=100_000, blank=True)
    notes_html = models.TextField(_("notes as HTML"), blank=True)
    recording_url = models.URLField(_("recording"), max_length=500, blank=True)
    outcomes = models.TextField(_("outcomes"), max_length=10_000, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["community", "start"], name="event_community_start_idx"),
            models.Index(fields=["last_end"], name="event_last_end_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="event_ends_after_start"),
            models.CheckConstraint(
                condition=Q(repeat_interval__gte=1) & Q(repeat_interval__lte=52),
                name="event_repeat_interval_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("events:detail", args=[self.community.slug, self.pk])

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def is_series(self) -> bool:
        return bool(self.repeat)

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def in_person(self) -> bool:
        return self.format in (self.Format.IN_PERSON, self.Format.HYBRID)

    @property
    def online(self) -> bool:
        return self.format in (self.Format.ONLINE, self.Format.HYBRID)


class OccurrenceChange(models.Model):
    """One occurrence of a series cancelled, or moved (another start and end), keyed by the
    start the rule gives it (RFC 5545 EXDATE / RECURRENCE-ID)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="changes")
    original_start = models.DateTimeField(_("original start"))
    cancelled = models.BooleanField(_("cancelled"), default=False)
    start = models.DateTimeField(_("starts"), null=True, blank=True)
    end = models.DateTimeField(_("ends"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("change to one occurrence")
        verbose_name_plural = _("changes to one occurrence")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "original_start"], name="occurrencechange_once"
            ),
            models.CheckConstraint(
                condition=Q(cancelled=True) | (Q(start__isnull=False) & Q(end__gt=F("start"))),
                name="occurrencechange_cancelled_or_moved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} @ {self.original_start:%Y-%m-%d %H:%M}"


class EventRole(models.Model):
    class Role(models.TextChoices):
        HOST = "host", _("Host")
        SPEAKER = "speaker", _("Speaker")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="roles")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_roles"
    )
    role = models.CharField(_("role"), max_length=8, choices=Role.choices)

    class Meta:
        verbose_name = _("host or speaker")
        verbose_name_plural = _("hosts and speakers")
        constraints = [
            models.UniqueConstraint(fields=["event", "member", "role"], name="eventrole_once")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.role} {self.event_id}"


class Registration(models.Model):
    """A member's answer for an event (a series: for one occurrence). A "going" answer takes
    a seat of its kind or waits on the waitlist, first come first served (``waiting_since``)."""

    class Response(models.TextChoices):
        IN_PERSON = "in_person", _("Going, in person")
        ONLINE = "online", _("Going, online")
        INTERESTED = "interested", _("Interested")
        NOT_GOING = "not_going", _("Not going")

    class Attendance(models.TextChoices):
        UNKNOWN = "", _("Not marked")
        IN_PERSON = "in_person", _("Attended in person")
        ONLINE = "online", _("Attended online")
        ABSENT = "absent", _("Did not attend")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="registrations"
    )
    # The occurrence's original start for a series; null for a single event.
    occurrence = models.DateTimeField(_("occurrence"), null=True, blank=True)
    response = models.CharField(_("answer"), max_length=10, choices=Response.choices)
    waitlisted = models.BooleanField(_("on the waitlist"), default=False)
    waiting_since = models.DateTimeField(_("waiting since"), null=True, blank=True)
    attendance = models.CharField(
        _("attendance"), max_length=10, choices=Attendance.choices, default="", blank=True
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    reminded_day_at = models.DateTimeField(_("reminded a day before"), null=True, blank=True)
    reminded_hour_at = models.DateTimeField(_("reminded an hour before"), null=True, blank=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        indexes = [
            models.Index(fields=["event", "occurrence", "response"], name="registration_seats_idx"),
            models.Index(fields=["member", "response"], name="registration_member_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "member"],
                condition=Q(occurrence__isnull=True),
                name="registration_once_per_event",
            ),
            models.UniqueConstraint(
                fields=["event", "member", "occurrence"],
                condition=Q(occurrence__isnull=False),
                name="registration_once_per_occurrence",
            ),
            models.CheckConstraint(
                condition=Q(waitlisted=False)
                | Q(response__in=["in_person", "online"], waiting_since__isnull=False),
                name="registration_waitlist_for_seats",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.response} {self.event_id}"

    @property
    def is_going(self) -> bool:
        return self.response in (self.Response.IN_PERSON, self.Response.ONLINE)

    @property
    def has_seat(self) -> bool:
        return self.is_going and not self.waitlisted


class EventFeedback(models.Model):
    """An attendee's rating (1–5) and comment, once per member and event."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="feedback")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_feedback"
    )
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("event feedback")
        verbose_name_plural = _("event feedback")
        constraints = [
            models.UniqueConstraint(fields=["event", "member"], name="eventfeedback_once"),
            models.CheckConstraint(
                condition=Q(rating__gte=1) & Q(rating__lte=5), name="eventfeedback_rating_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} rated {self.event_id}: {self.rating}"


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarToken(models.Model):
    """The secret in a member's personal calendar feed's address. It has to be shown again
    (it is the address they subscribe to), so it is kept as is; resetting replaces it and
    the old address stops working."""

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_token"
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_calendar_token)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar address")
        verbose_name_plural = _("calendar addresses")

    def __str__(self) -> str:
        return f"calendar of {self.member_id}"
