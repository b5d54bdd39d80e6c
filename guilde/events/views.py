"""Pages of events: upcoming and past lists and the month calendar (per community and
across the viewer's communities), the event page with registration and "add to
calendar", organising (create, edit, cancel, one occurrence), after the event (attendance,
notes, capture as knowledge, feedback), calendar feeds and the personal feed's address."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guilde.accounts.models import User
from guilde.communities import selectors as community_selectors
from guilde.communities.models import Community
from guilde.core.forms import add_service_errors
from guilde.core.permissions import can
from guilde.events import calendars, forms, selectors, services
from guilde.events.models import Event, Registration
from guilde.events.recurrence import (
    Occurrence,
    next_occurrence,
    occurrence_at,
    occurrences_between,
    parse_occurrence_key,
)


def _member(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def viewer_zone(request: HttpRequest) -> zoneinfo.ZoneInfo:
    if isinstance(request.user, User):
        return request.user.zone
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _community(request: HttpRequest, slug: str, action: str = "view") -> Community:
    return community_selectors.community_get(
        viewer=request.user, slug=slug, action=action, details=False
    )


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    community = context.get("community")
    if community is not None:
        context["permissions"] = community_selectors.viewer_permissions(request.user, community)
        context["can_create_event"] = can(request.user, "create_event", community)
    context.setdefault("zone", viewer_zone(request))
    return render(request, template, context)


def _errors(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


# Lists and the calendar ----------------------------------------------------------------------


def _day(text: str | None) -> date | None:
    try:
        found = date.fromisoformat(text) if text else None
    except ValueError:
        return None
    return found if found and selectors.EARLIEST <= found <= selectors.LATEST else None


def _agenda(request: HttpRequest, community: Community | None) -> dict[str, Any]:
    zone = viewer_zone(request)
    past = request.GET.get("when") == "past"
    mine = community is None and request.user.is_authenticated
    now = timezone.now()
    span = timedelta(days=selectors.LIST_DAYS)
    chosen = _day(request.GET.get("from"))
    if past:
        end = datetime.combine(chosen, datetime.min.time(), tzinfo=zone) if chosen else now
        end = min(end, now)
        start = end - span
        found = selectors.occurrences(
            viewer=request.user,
            start=start,
            end=end,
            community=community,
            mine=mine,
            newest_first=True,
        )
        found = [o for o in found if o.end <= now]
        further = start.astimezone(zone).date()
    else:
        start = (
            max(now, datetime.combine(chosen, datetime.min.time(), tzinfo=zone)) if chosen else now
        )
        end = start + span
        found = selectors.occurrences(
            viewer=request.user, start=start, end=end, community=community, mine=mine
        )
        further = end.astimezone(zone).date()
    return {
        "community": community,
        "occurrences": found,
        "past": past,
        "mine": mine,
        "span_start": start,
        "span_end": end,
        "further": further.isoformat(),
    }


@require_GET
def community_events(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community(request, slug)
    return _render(request, "events/list.html", _agenda(request, community))


@require_GET
def all_events(request: HttpRequest) -> HttpResponse:
    return _render(request, "events/list.html", _agenda(request, None))


def _month(request: HttpRequest, community: Community | None) -> dict[str, Any]:
    zone = viewer_zone(request)
    today = timezone.now().astimezone(zone).date()
    try:
        year, month = (int(part) for part in request.GET.get("month", "").split("-"))
        first = date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
    if not selectors.EARLIEST <= first <= selectors.LATEST:
        first = today.replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    weeks = selectors.month_grid(
        viewer=request.user,
        year=first.year,
        month=first.month,
        zone=zone,
        community=community,
        mine=community is None and request.user.is_authenticated,
    )
    return {
        "community": community,
        "weeks": weeks,
        "month": first,
        "previous": f"{previous:%Y-%m}",
        "following": f"{following:%Y-%m}",
        "this_month": f"{today:%Y-%m}",
    }


@require_GET
def community_month(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community(request, slug)
    return _render(request, "events/month.html", _month(request, community))


@require_GET
def all_month(request: HttpRequest) -> HttpResponse:
    return _render(request, "events/month.html", _month(request, None))


# The event page ----------------------------------------------------------------------------


def _event(request: HttpRequest, slug: str, pk: int) -> Event:
    community = _community(request, slug)
    return selectors.event_get(viewer=request.user, community=community, pk=pk)


def _occurrence(event: Event, text: str | None) -> Occurrence:
    """The occurrence a page is about: the one named, else the next (or the last)."""
    if event.repeat and text:
        key = parse_occurrence_key(text)
        found = occurrence_at(event, key, event.changes.all()) if key else None
        if found is None:
            raise Http404
        return found
    if not event.repeat:
        return Occurrence(event=event, key=None, start=event.start, end=event.end)
    now = timezone.now()
    upcoming = next_occurrence(event, now, event.changes.all())
    if upcoming is not None:
        return upcoming
    earlier = occurrences_between(event, event.start, now, event.changes.all())
    if earlier:
        return earlier[-1]
    return Occurrence(
        event=event, key=event.start.astimezone(UTC), start=event.start, end=event.end
    )


@require_GET
def event_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    event = _event(request, slug, pk)
    occurrence = _occurrence(event, request.GET.get("occurrence"))
    mine = selectors.my_registrations(request.user, event).get(occurrence.key)
    now = timezone.now()
    upcoming: list[Occurrence] = []
    if event.repeat:
        upcoming = occurrences_between(event, now, now + timedelta(days=120), event.changes.all())[
            :8
        ]
    return _render(
        request,
        "events/detail.html",
        {
            "community": event.community,
            "event": event,
            "occurrence": occurrence,
            "registration": mine,
            "attendance": selectors.attendance(
                viewer=request.user, event=event, key=occurrence.key
            ),
            "can_edit": can(request.user, "edit", event),
            "can_register": can(request.user, "register", event),
            "can_join_link": can(request.user, "join_link", event),
            "can_feedback": can(request.user, "feedback", event),
            "is_over": occurrence.end <= now,
            "has_started": occurrence.start <= now,
            "registration_closed": event.registration_deadline is not None
            and now > event.registration_deadline,
            "upcoming": upcoming,
            "responses": Registration.Response.choices,
            "attendance_choices": Registration.Attendance.choices,
            "feedback_form": forms.FeedbackForm(),
            "hosts": [r.member for r in event.roles.all() if r.role == "host"],
            "speakers": [r.member for r in event.roles.all() if r.role == "speaker"],
        },
    )


@require_POST
@login_required
def event_rsvp(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    event = _event(request, slug, pk)
    form = forms.RsvpForm(request.POST)
    target = event.get_absolute_url()
    if not form.is_valid():
        messages.error(request, _("Choose an answer."))
        return redirect(target)
    text = form.cleaned_data["occurrence"]
    key = parse_occurrence_key(text) if text else None
    if text and key is None:
        raise Http404
    try:
        registration = services.rsvp(
            actor=_member(request),
            event=event,
            response=form.cleaned_data["response"],
            occurrence=key,
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        if registration.waitlisted:
            messages.info(request, _("All seats are taken: you are on the waitlist."))
        else:
            messages.success(request, _("Your answer is saved."))
    return redirect(f"{target}?occurrence={text}" if text else target)


# Organising --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def event_create(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community(request, slug)
    if not can(request.user, "create_event", community):
        raise PermissionDenied
    form = forms.EventForm(
        request.POST or None,
        community=community,
        initial={"time_zone": viewer_zone(request).key, "repeat_interval": 1},
    )
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(
                actor=_member(request), community=community, data=form.to_input()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The event is published."))
            return redirect(event.get_absolute_url())
    return _render(request, "events/form.html", {"community": community, "form": form})


@require_http_methods(["GET", "POST"])
@login_required
def event_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    event = _event(request, slug, pk)
    if not can(request.user, "edit", event):
        raise PermissionDenied
    form = forms.EventForm(
        request.POST or None,
        community=event.community,
        initial=forms.EventForm.initial_from(event),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(actor=_member(request), event=event, data=form.to_input())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The event is updated; those registered are told."))
            return redirect(event.get_absolute_url())
    return _render(
        request, "events/form.html", {"community": event.community, "form": form, "event": event}
    )


@require_http_methods(["GET", "POST"])
@login_required
def event_cancel(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    event = _event(request, slug, pk)
    if not can(request.user, "edit", event):
        raise PermissionDenied
    form = forms.CancelForm(request.POST or None)
    key_text = request.POST.get("occurrence") or request.GET.get("occurrence", "")
    key = parse_occurrence_key(key_text) if key_text else None
    if key_text and key is None:
        raise Http404
    if request.method == "POST" and form.is_valid():
        try:
            if key is not None:
                services.occurrence_cancel(
                    actor=_member(request), event=event, key=key, reason=form.cleaned_data["reason"]
                )
            else:
                services.event_cancel(
                    actor=_member(request), event=event, reason=form.cleaned_data["reason"]
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Cancelled; those registered are told."))
            return redirect(event.get_absolute_url())
    return _render(
        request,
        "events/cancel.html",
        {"community": event.community, "event": event, "form": form, "key_text": key_text},
    )


@require_http_methods(["GET", "POST"])
@login_required
def occurrence_move(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    event = _event(request, slug, pk)
    if not can(request.user, "edit", event) or not event.repeat:
        raise PermissionDenied
    key_text = request.POST.get("occurrence") or request.GET.get("occurrence", "")
    occurrence = _occurrence(event, key_text or None)
    zone = event.zone
    form = forms.MoveForm(
        request.POST or None,
        zone=event.time_zone,
        initial={
            "start": occurrence.start.astimezone(zone).replace(tzinfo=None),
            "end": occurrence.end.astimezone(zone).replace(tzinfo=None),
        },
    )
    if request.method == "POST" and form.is_valid() and occurrence.key is not None:
        try:
            services.occurrence_move(
                actor=_member(request),
                event=event,
                key=occurrence.key,
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("This occurrence has its new time; those registered are told.")
            )
            return redirect(f"{event.get_absolute_url()}?occurrence={occurrence.key_text}")
    return _render(
        request,
        "events/move.html",
        {"community": event.community, "event": event, "occurrence": occurrence, "form": form},
    )


# After the event ---------------------------------------------------------------------------


@require_POST
@login_required
def attendance_mark(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    event = _event(request, slug, pk)
    key_text = request.POST.get("occurrence", "")
    key = parse_occurrence_key(key_text) if key_text else None
    member = User.objects.real().filter(username=request.POST.get("member", "")).first()
    if member is None or (key_text and key is None):
        raise Http404
    try:
        services.attendance_mark(
            actor=_member(request),
            event=event,
            member=member,
            attendance=request.POST.get("attendance", ""),
            occurrence=key,
        )
    except ValidationError as error:
        _errors(request, error)
    target = event.get_absolute_url()
    return redirect(
        f"{target}?occurrence={key_text}#attendance" if key_text else f"{target}#attendance"
    )


@require_http_methods(["GET", "POST"])
@login_required
def event_followup(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    event = _event(request, slug, pk)
    if not can(request.user, "edit", event):
        raise PermissionDenied
    form = forms.FollowupForm(
        request.POST or None,
        initial={
            "notes": event.notes,
            "recording_url": event.recording_url,
            "outcomes": event.outcomes,
        },
    )
    if request.method == "POST" and form.is_valid():
        services.followup_save(actor=_member(request), event=event, **form.cleaned_data)
        messages.success(request, _("The notes are saved."))
        return redirect(event.get_absolute_url())
    return _render(
        request,
        "events/followup.html",
        {"community": event.community, "event": event, "form": form},
    )


@require_POST
@login_required
def event_capture(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    event = _event(request, slug, pk)
    try:
        article = services.capture(actor=_member(request), event=event)
    except ValidationError as error:
        _errors(request, error)
        return redirect(event.get_absolute_url())
    messages.success(request, _("A draft article is made from the notes: edit it, then publish."))
    return redirect(reverse("knowledge:edit", args=[event.community.slug, article.pk]))


@require_POST
@login_required
def event_feedback(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    event = _event(request, slug, pk)
    form = forms.FeedbackForm(request.POST)
    if form.is_valid():
        try:
            services.feedback_give(
                actor=_member(request),
                event=event,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("Thank you for your feedback."))
    else:
        messages.error(request, _("Choose a rating from 1 to 5."))
    return redirect(event.get_absolute_url())


# Calendars ---------------------------------------------------------------------------------


def _ics(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_GET
def event_ics(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    event = _event(request, slug, pk)
    return _ics(calendars.event_ics(viewer=request.user, event=event), f"event-{event.pk}.ics")


@require_GET
def community_feed(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community(request, slug)
    events = selectors.community_feed_events(viewer=request.user, community=community)
    body = calendars.community_ics(
        viewer=request.user, name=community.name, slug=community.slug, events=events
    )
    return _ics(body, f"{community.slug}.ics")


@require_GET
def member_feed(request: HttpRequest, token: str) -> HttpResponse:
    member = selectors.member_by_calendar_token(token)
    events = selectors.member_feed_events(member)
    return _ics(calendars.member_ics(member=member, events=events), "guilde.ics")


@require_http_methods(["GET", "POST"])
@login_required
def calendar_settings(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    if request.method == "POST":
        services.calendar_token_reset(member=member)
        messages.success(
            request, _("Your calendar has a new address; the old one no longer works.")
        )
        return redirect("events:calendar_settings")
    token = services.calendar_token(member)
    address = request.build_absolute_uri(reverse("events:member_feed", args=[token.token]))
    return render(request, "events/calendar_settings.html", {"address": address})
