"""Events' services: validation that loses nothing, cancellation telling everyone
registered (in their language, with the reason), reminders a day and an hour before in
each member's zone, per-occurrence answers of a series, the registration deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import run_queued_tasks
from guilde.events import services
from guilde.events.models import Event, Registration
from guilde.events.recurrence import occurrences_between
from guilde.events.tests.factories import EventFactory
from guilde.notifications.mail import send_due_emails
from guilde.notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db


def test_bad_input_is_refused_field_by_field():
    community = CommunityFactory.create()
    organiser = member_of(community)
    start = timezone.now() + timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        services.event_create(
            actor=organiser,
            community=community,
            data=services.EventInput(
                title=" ",
                start=start,
                end=start - timedelta(hours=1),
                time_zone="Mars/Olympus",
                format="in_person",
                repeat="weekly",
                repeat_count=900,
            ),
        )
    assert set(caught.value.message_dict) >= {"title", "end", "time_zone", "venue", "repeat_count"}
    assert not Event.objects.exists()


def test_outsiders_cannot_create_or_answer():
    community = CommunityFactory.create()
    outsider = member_of(CommunityFactory.create())
    event = EventFactory.create(community=community)
    start = timezone.now() + timedelta(days=1)
    with pytest.raises(PermissionDenied):
        services.event_create(
            actor=outsider,
            community=community,
            data=services.EventInput(
                title="x", start=start, end=start + timedelta(hours=1), time_zone="UTC",
                format="online",
            ),
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.rsvp(actor=outsider, event=event, response="interested")


def test_cancellation_tells_everyone_registered_with_the_reason_in_their_language():
    community = CommunityFactory.create()
    host = member_of(community, role="coordinator")
    french = member_of(community, language="fr")
    english = member_of(community, language="en")
    not_going = member_of(community)
    event = EventFactory.create(community=community, created_by=host, title="Atelier")
    services.rsvp(actor=french, event=event, response="in_person")
    services.rsvp(actor=english, event=event, response="interested")
    services.rsvp(actor=not_going, event=event, response="not_going")
    services.event_cancel(actor=host, event=event, reason="La salle est fermée")
    told = Notification.objects.filter(kind=Kind.EVENT, data__what="cancelled")
    assert {n.recipient_id for n in told} == {french.pk, english.pk}
    mail.outbox.clear()
    send_due_emails(now=timezone.now() + timedelta(minutes=5))
    run_queued_tasks()
    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert "Annulé : Atelier — La salle est fermée" in bodies[french.email]
    assert "Cancelled: Atelier — La salle est fermée" in bodies[english.email]
    assert Event.objects.get(pk=event.pk).sequence == 1


def test_reminders_a_day_and_an_hour_before_in_the_members_zone():
    community = CommunityFactory.create()
    montreal = member_of(community, time_zone="America/Montreal")
    late = member_of(community)
    start = datetime(2027, 6, 10, 18, 0, tzinfo=ZoneInfo("Europe/Paris"))
    with time_machine.travel(start - timedelta(days=5), tick=False):
        event = EventFactory.create(
            community=community, start=start, end=start + timedelta(hours=2)
        )
        services.rsvp(actor=montreal, event=event, response="in_person")
    with time_machine.travel(start - timedelta(hours=20), tick=False):
        services.rsvp(actor=late, event=event, response="in_person")
        assert services.send_reminders() == 1  # the day's, only for who registered earlier
        assert services.send_reminders() == 0
    with time_machine.travel(start - timedelta(minutes=50), tick=False):
        assert services.send_reminders() == 2
        assert services.send_reminders() == 0
    reminders = Notification.objects.filter(kind=Kind.EVENT, data__what="reminder")
    assert sorted(n.recipient_id for n in reminders) == sorted([montreal.pk, montreal.pk, late.pk])
    mail.outbox.clear()
    send_due_emails(now=start)
    run_queued_tasks()
    body = next(m.body for m in mail.outbox if m.to == [montreal.email])
    assert "12:00" in body  # 18:00 in Paris is noon in Montreal
    assert "America/Montreal" in body


def test_series_answers_are_per_occurrence_and_deadline_closes_registration():
    community = CommunityFactory.create()
    member = member_of(community)
    start = (timezone.now() + timedelta(days=1)).replace(second=0, microsecond=0)
    event = EventFactory.create(
        community=community, start=start, repeat="weekly", repeat_count=3, format="online",
        capacity_online=1,
    )  # fmt: skip
    first, second, _third = occurrences_between(event, start, start + timedelta(days=30))
    services.rsvp(actor=member, event=event, response="online", occurrence=first.key)
    services.rsvp(actor=member, event=event, response="interested", occurrence=second.key)
    answers = dict(Registration.objects.filter(member=member).values_list("occurrence", "response"))
    assert answers == {first.key: "online", second.key: "interested"}
    other = member_of(community)
    # The seat of the first occurrence is taken; the second's is free.
    assert services.rsvp(
        actor=other, event=event, response="online", occurrence=first.key
    ).waitlisted
    assert not services.rsvp(
        actor=other, event=event, response="online", occurrence=second.key
    ).waitlisted
    with pytest.raises(ValidationError):
        services.rsvp(
            actor=member, event=event, response="online",
            occurrence=first.start + timedelta(minutes=5),
        )  # fmt: skip
    closed = EventFactory.create(
        community=community, registration_deadline=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(ValidationError):
        services.rsvp(actor=member, event=closed, response="in_person")
    assert services.rsvp(actor=member, event=closed, response="not_going").response == "not_going"


def test_moving_a_series_moves_its_answers():
    community = CommunityFactory.create()
    host = member_of(community, role="coordinator")
    member = member_of(community)
    start = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    event = EventFactory.create(
        community=community, created_by=host, start=start, repeat="weekly", repeat_count=4
    )
    first = occurrences_between(event, start, start + timedelta(days=1))[0]
    services.rsvp(actor=member, event=event, response="in_person", occurrence=first.key)
    later = start + timedelta(hours=2)
    services.event_update(
        actor=host,
        event=event,
        data=services.EventInput(
            title=event.title, start=later, end=later + timedelta(hours=2),
            time_zone=event.time_zone, venue=event.venue, repeat="weekly", repeat_count=4,
        ),
    )  # fmt: skip
    registration = Registration.objects.get(member=member)
    assert registration.occurrence == later.astimezone(UTC)
    changed = Notification.objects.get(recipient=member, kind=Kind.EVENT)
    assert changed.data["what"] == "changed"


def test_moving_a_series_across_daylight_saving_keeps_answers_on_its_occurrences():
    from guilde.events.recurrence import occurrence_at

    community = CommunityFactory.create()
    host = member_of(community, role="coordinator")
    member = member_of(community)
    paris = ZoneInfo("Europe/Paris")
    start = datetime(2031, 3, 18, 18, 0, tzinfo=paris)
    event = EventFactory.create(
        community=community, created_by=host, start=start, end=start + timedelta(hours=2),
        repeat="weekly", repeat_count=6,
    )  # fmt: skip
    first, second = occurrences_between(event, start, start + timedelta(days=8))
    services.rsvp(actor=member, event=event, response="in_person", occurrence=first.key)
    services.rsvp(actor=member, event=event, response="interested", occurrence=second.key)
    # A week later and an hour later, past the change to summer time (30 March 2031).
    later = datetime(2031, 3, 25, 19, 0, tzinfo=paris)
    event = services.event_update(
        actor=host,
        event=event,
        data=services.EventInput(
            title=event.title, start=later, end=later + timedelta(hours=2),
            time_zone="Europe/Paris", venue=event.venue, repeat="weekly", repeat_count=6,
        ),
    )  # fmt: skip
    keys = sorted(
        key
        for key in Registration.objects.filter(member=member).values_list("occurrence", flat=True)
        if key is not None
    )
    assert [k.astimezone(paris).strftime("%d %H:%M") for k in keys] == ["25 19:00", "01 19:00"]
    assert all(occurrence_at(event, key, event.changes.all()) for key in keys)


def test_unsafe_addresses_are_refused():
    community = CommunityFactory.create()
    host = member_of(community)
    start = timezone.now() + timedelta(days=2)
    with pytest.raises(ValidationError) as caught:
        services.event_create(
            actor=host,
            community=community,
            data=services.EventInput(
                title="x", start=start, end=start + timedelta(hours=1), time_zone="UTC",
                format="online", join_url="javascript:alert(1)",
            ),
        )  # fmt: skip
    assert "join_url" in caught.value.message_dict
    event = EventFactory.create(community=community, created_by=host)
    with pytest.raises(ValidationError):
        services.followup_save(
            actor=host, event=event, notes="", recording_url="javascript:x", outcomes=""
        )


def test_attendance_of_someone_unregistered_and_of_outsiders():
    community = CommunityFactory.create()
    host = member_of(community, role="coordinator")
    walk_in, outsider = member_of(community), member_of(CommunityFactory.create())
    event = EventFactory.create(
        community=community, created_by=host,
        start=timezone.now() - timedelta(hours=2), end=timezone.now() - timedelta(hours=1),
    )  # fmt: skip
    absent = services.attendance_mark(actor=host, event=event, member=walk_in, attendance="absent")
    assert (absent.response, absent.attendance) == ("not_going", "absent")
    with pytest.raises(ValidationError):
        services.attendance_mark(actor=host, event=event, member=outsider, attendance="online")


def test_a_moved_occurrence_is_reminded_at_its_new_time_and_still_listed():
    from guilde.events.selectors import occurrences

    community = CommunityFactory.create()
    host = member_of(community, role="coordinator")
    member = member_of(community)
    start = datetime(2027, 6, 1, 18, 0, tzinfo=UTC)
    with time_machine.travel(start - timedelta(days=10), tick=False):
        event = EventFactory.create(
            community=community, created_by=host, start=start, end=start + timedelta(hours=1),
            repeat="weekly", repeat_count=2, format="online",
        )  # fmt: skip
        last = occurrences_between(event, start, start + timedelta(days=8))[-1]
        services.rsvp(actor=member, event=event, response="online", occurrence=last.key)
        moved = last.start + timedelta(days=10)
        services.occurrence_move(
            actor=host, event=event, key=last.key or start, start=moved,
            end=moved + timedelta(hours=1),
        )  # fmt: skip
        found = occurrences(
            viewer=member, start=moved - timedelta(hours=1), end=moved + timedelta(hours=2)
        )
        assert [o.start for o in found] == [moved]
    with time_machine.travel(moved - timedelta(minutes=30), tick=False):
        assert services.send_reminders() == 1
