"""Forms of the events pages. Times are typed on the wall clock of the event's zone: the
form makes them aware in that zone, refusing a time the clocks skip (daylight saving)."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from guilde.communities.models import Community
from guilde.core.widgets import ZoneField
from guilde.events.models import Event, Registration
from guilde.events.services import EventInput

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def wall_clock(value: datetime, zone_name: str) -> datetime:
    """``value``'s date and time in ``zone_name``, aware; ``ValueError`` for a time that does
    not exist there (the hour skipped when clocks go forward)."""
    zone = zoneinfo.ZoneInfo(zone_name)
    local = value.replace(tzinfo=None).replace(tzinfo=zone)
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValueError("skipped")
    return local


def on_wall_clock(
    form: forms.Form, data: dict[str, Any], names: tuple[str, ...], zone: str
) -> None:
    """Make the times ``names`` of ``data`` aware in ``zone``; an error on each that the
    clocks skip there."""
    for name in names:
        if data.get(name) is None:
            continue
        try:
            data[name] = wall_clock(data[name], zone)
        except ValueError:
            form.add_error(name, _("This time does not exist in that zone: the clocks skip it."))


def _usernames(text: str) -> list[str]:
    return [part.strip().lstrip("@") for part in text.replace(";", ",").split(",") if part.strip()]


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Event.Kind.choices)
    format = forms.ChoiceField(label=_("Format"), choices=Event.Format.choices)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Markdown: the programme, what to prepare, who it is for."),
    )
    start = forms.DateTimeField(label=_("Starts"), widget=DATETIME_WIDGET)
    end = forms.DateTimeField(label=_("Ends"), widget=DATETIME_WIDGET)
    time_zone = ZoneField(
        label=_("Time zone"),
        help_text=_("The times above are in this zone; everyone sees them in theirs too."),
    )
    venue = forms.CharField(label=_("Venue"), required=False, max_length=200)
    address = forms.CharField(label=_("Address"), required=False, max_length=500)
    join_url = forms.URLField(
        label=_("Join link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("Shown only to those with a seat."),
    )
    capacity_in_person = forms.IntegerField(
        label=_("In-person seats"),
        required=False,
        min_value=0,
        help_text=_("Empty: no limit. When all are taken, members join the waitlist."),
    )
    capacity_online = forms.IntegerField(
        label=_("Online seats"), required=False, min_value=0, help_text=_("Empty: no limit.")
    )
    registration_deadline = forms.DateTimeField(
        label=_("Registration closes"), required=False, widget=DATETIME_WIDGET
    )
    repeat = forms.ChoiceField(label=_("Repeats"), required=False, choices=Event.Repeat.choices)
    repeat_interval = forms.IntegerField(
        label=_("Every how many (weeks, months…)"), min_value=1, max_value=52, initial=1
    )
    repeat_until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    repeat_count = forms.IntegerField(label=_("Or this many times"), required=False, min_value=1)
    tags = forms.MultipleChoiceField(
        label=_("Topics"), required=False, widget=forms.CheckboxSelectMultiple
    )
    hosts = forms.CharField(
        label=_("Hosts"),
        required=False,
        max_length=500,
        help_text=_("Usernames, separated by commas; empty: you."),
    )
    speakers = forms.CharField(
        label=_("Speakers"), required=False, max_length=500, help_text=_("Usernames.")
    )

    def __init__(self, *args: Any, community: Community, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["tags"]).choices = [
            (t.slug, t.name) for t in community.tags.all()
        ]

    @classmethod
    def initial_from(cls, event: Event) -> dict[str, Any]:
        zone = event.zone
        roles = list(event.roles.all())
        return {
            "title": event.title,
            "kind": event.kind,
            "format": event.format,
            "description": event.description,
            "start": event.start.astimezone(zone).replace(tzinfo=None),
            "end": event.end.astimezone(zone).replace(tzinfo=None),
            "time_zone": event.time_zone,
            "venue": event.venue,
            "address": event.address,
            "join_url": event.join_url,
            "capacity_in_person": event.capacity_in_person,
            "capacity_online": event.capacity_online,
            "registration_deadline": event.registration_deadline.astimezone(zone).replace(
                tzinfo=None
            )
            if event.registration_deadline
            else None,
            "repeat": event.repeat,
            "repeat_interval": event.repeat_interval,
            "repeat_until": event.repeat_until,
            "repeat_count": event.repeat_count,
            "tags": [t.slug for t in event.tags.all()],
            "hosts": ", ".join(r.member.username for r in roles if r.role == "host"),
            "speakers": ", ".join(r.member.username for r in roles if r.role == "speaker"),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("time_zone"):
            on_wall_clock(self, data, ("start", "end", "registration_deadline"), data["time_zone"])
        return data

    def to_input(self) -> EventInput:
        data = self.cleaned_data
        return EventInput(
            title=data["title"],
            kind=data["kind"],
            format=data["format"],
            description=data["description"],
            start=data["start"],
            end=data["end"],
            time_zone=data["time_zone"],
            venue=data["venue"],
            address=data["address"],
            join_url=data["join_url"],
            capacity_in_person=data["capacity_in_person"],
            capacity_online=data["capacity_online"],
            registration_deadline=data["registration_deadline"],
            repeat=data["repeat"] or "",
            repeat_interval=data["repeat_interval"] or 1,
            repeat_until=data["repeat_until"],
            repeat_count=data["repeat_count"],
            tags=data["tags"],
            hosts=_usernames(data["hosts"]),
            speakers=_usernames(data["speakers"]),
        )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it cancelled?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Everyone registered is told, with this reason."),
    )


class MoveForm(forms.Form):
    start = forms.DateTimeField(label=_("Starts"), widget=DATETIME_WIDGET)
    end = forms.DateTimeField(label=_("Ends"), widget=DATETIME_WIDGET)

    def __init__(self, *args: Any, zone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        on_wall_clock(self, data, ("start", "end"), self.zone)
        return data


class RsvpForm(forms.Form):
    response = forms.ChoiceField(choices=Registration.Response.choices)
    occurrence = forms.CharField(required=False, max_length=20)


class FollowupForm(forms.Form):
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Markdown: what was said, decided, learned. They can become an article."),
    )
    recording_url = forms.URLField(
        label=_("Recording"), required=False, max_length=500, assume_scheme="https"
    )
    outcomes = forms.CharField(
        label=_("Outcomes"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How was it?"),
        choices=[(str(n), str(n)) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("A comment for the hosts (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
