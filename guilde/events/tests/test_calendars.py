"""Feeds parse with icalendar and say the right thing: times across daylight saving
(Europe/Paris, America/Montreal), a series with an exception and a moved occurrence,
SEQUENCE rising with each change, cancellation (issue 14, acceptance 1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from django.urls import reverse

from guilde.communities.models import Community
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.events import services
from guilde.events.models import Event
from guilde.events.recurrence import occurrence_key_text, occurrences_between
from guilde.events.services import EventInput
from guilde.events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db
PARIS, MONTREAL = ZoneInfo("Europe/Paris"), ZoneInfo("America/Montreal")


def _parse(response) -> icalendar.Calendar:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def _weekly(community: Community, organiser, zone: str, local_start: datetime) -> Event:
    return services.event_create(
        actor=organiser,
        community=community,
        data=EventInput(
            title="Weekly clinic",
            start=local_start,
            end=local_start + timedelta(hours=2),
            time_zone=zone,
            format="online",
            repeat="weekly",
            repeat_count=6,
        ),
    )


@pytest.mark.parametrize(
    ("zone", "first", "after_change"),
    [
        # Paris goes to summer time on 28 March 2027: 18:00 stays 18:00, UTC moves from 17 to 16.
        ("Europe/Paris", datetime(2027, 3, 18, 18, 0, tzinfo=UTC), (16, 0)),
        # Montreal goes to summer time on 14 March 2027: 12:00 stays 12:00, UTC from 17 to 16.
        ("America/Montreal", datetime(2027, 3, 7, 12, 0, tzinfo=UTC), (16, 0)),
    ],
)
def test_series_keeps_its_wall_clock_across_daylight_saving(client, zone, first, after_change):
    community = CommunityFactory.create()
    organiser = member_of(community, role="coordinator")
    local = first.replace(tzinfo=ZoneInfo(zone))
    event = _weekly(community, organiser, zone, local)

    calendar = _parse(client.get(reverse("events:ics", args=[community.slug, event.pk])))
    assert {tz.tz_name for tz in calendar.timezones} == {zone}
    [master] = calendar.events
    assert local == master.DTSTART
    assert str(master.DTSTART.tzinfo) == zone
    rule: Any = master["RRULE"]
    assert rule["FREQ"] == ["WEEKLY"]
    assert rule["COUNT"] == [6]

    expanded = recurring_ical_events.of(calendar).between(local, local + timedelta(days=50))
    starts = [component.DTSTART for component in expanded]
    assert len(starts) == 6
    assert {(s.hour, s.minute) for s in starts} == {(local.hour, local.minute)}
    in_utc = [s.astimezone(UTC) for s in starts]
    assert (in_utc[0].hour, in_utc[0].minute) == (17, 0)
    assert (in_utc[-1].hour, in_utc[-1].minute) == after_change
    # The pages expand the same way.
    ours = occurrences_between(event, local, local + timedelta(days=50))
    assert [o.start for o in ours] == in_utc


def test_exception_and_moved_occurrence_in_feed_and_expansion(client):
    community = CommunityFactory.create()
    organiser = member_of(community, role="coordinator")
    local = datetime(2027, 3, 18, 18, 0, tzinfo=PARIS)
    event = _weekly(community, organiser, "Europe/Paris", local)
    second, third = local + timedelta(days=7), local + timedelta(days=14)
    services.occurrence_cancel(
        actor=organiser, event=event, key=second.astimezone(UTC), reason="Holiday"
    )
    moved_to = (third + timedelta(days=1)).replace(hour=19)
    services.occurrence_move(
        actor=organiser,
        event=event,
        key=third.astimezone(UTC),
        start=moved_to,
        end=moved_to + timedelta(hours=2),
    )
    feed = _parse(client.get(reverse("events:community_feed", args=[community.slug])))
    master = next(e for e in feed.events if "RECURRENCE-ID" not in e)
    override = next(e for e in feed.events if "RECURRENCE-ID" in e)
    assert master["UID"] == override["UID"]
    exdate: Any = master["EXDATE"]
    exdates = [
        d.dt for entry in (exdate if isinstance(exdate, list) else [exdate]) for d in entry.dts
    ]
    assert second in exdates
    original: Any = override["RECURRENCE-ID"]
    assert original.dt == third
    assert moved_to == override.DTSTART

    expanded = recurring_ical_events.of(feed).between(local, local + timedelta(days=50))
    starts = sorted(component.DTSTART for component in expanded)
    assert second not in starts
    assert third not in starts
    assert moved_to in starts
    assert len(starts) == 5
    ours = occurrences_between(event, local, local + timedelta(days=50), event.changes.all())
    assert [o.start for o in ours] == [s.astimezone(UTC) for s in starts]
    moved = next(o for o in ours if o.moved)
    assert moved.key == third.astimezone(UTC)
    # The event page knows the moved occurrence by its original start.
    page = client.get(
        reverse("events:detail", args=[community.slug, event.pk]),
        {"occurrence": occurrence_key_text(moved.key)},
    )
    assert page.status_code == 200
    assert "This occurrence was moved" in page.content.decode()


def _event_input(event, **changes) -> EventInput:
    values = {
        "title": event.title,
        "start": event.start,
        "end": event.end,
        "time_zone": event.time_zone,
        "venue": event.venue,
        "format": event.format,
    }
    values.update(changes)
    return EventInput(**values)


def test_sequence_rises_with_each_visible_change_and_uid_stays(client):
    community = CommunityFactory.create()
    organiser = member_of(community, role="coordinator")
    event = EventFactory.create(community=community, created_by=organiser)
    url = reverse("events:ics", args=[community.slug, event.pk])
    before = _parse(client.get(url)).events[0]
    assert before["SEQUENCE"] == 0

    event = services.event_update(
        actor=organiser, event=event, data=_event_input(event, title="Renamed")
    )
    event = services.event_update(
        actor=organiser,
        event=event,
        data=_event_input(event, title="Renamed", start=event.start + timedelta(hours=1)),
    )
    after = _parse(client.get(url)).events[0]
    assert after["SEQUENCE"] == 2
    assert after["UID"] == before["UID"]
    assert after["SUMMARY"] == "Renamed"
    assert after.DTSTAMP >= before.DTSTAMP
    # A change no calendar shows (seats) leaves SEQUENCE alone.
    services.event_update(
        actor=organiser,
        event=event,
        data=_event_input(event, title="Renamed", capacity_in_person=10),
    )
    assert _parse(client.get(url)).events[0]["SEQUENCE"] == 2


def test_cancellation_stays_in_the_feed_as_cancelled(client):
    community = CommunityFactory.create()
    organiser = member_of(community, role="coordinator")
    event = EventFactory.create(community=community, created_by=organiser)
    services.event_cancel(actor=organiser, event=event, reason="The venue is closed")
    feed = _parse(client.get(reverse("events:community_feed", args=[community.slug])))
    [vevent] = feed.events
    assert vevent["STATUS"] == "CANCELLED"
    assert vevent["SEQUENCE"] == 1
    assert "The venue is closed" in str(vevent["DESCRIPTION"])


def test_no_attendee_or_email_in_any_feed(client):
    community = CommunityFactory.create()
    organiser = member_of(community, role="coordinator", email="organiser@example.org")
    member = member_of(community, email="attendee@example.org")
    event = EventFactory.create(
        community=community,
        created_by=organiser,
        format="hybrid",
        join_url="https://meet.example/x",
    )
    services.rsvp(actor=member, event=event, response="online")
    token = services.calendar_token(member).token
    client.force_login(member)
    bodies = [
        client.get(reverse("events:ics", args=[community.slug, event.pk])).content,
        client.get(reverse("events:community_feed", args=[community.slug])).content,
        client.get(reverse("events:member_feed", args=[token])).content,
    ]
    for body in bodies:
        text = body.decode()
        assert "ATTENDEE" not in text
        assert "ORGANIZER" not in text
        assert "@example.org" not in text
        icalendar.Calendar.from_ical(body)
    # The member with a seat gets the join link in their own .ics and feed.
    assert "meet.example" in bodies[0].decode()
    assert "meet.example" in bodies[2].decode()
    # A community feed never carries it (it is shared, subscribed to, forwarded).
    assert "meet.example" not in bodies[1].decode()


def test_personal_feed_follows_registrations_and_token_reset(client):
    community = CommunityFactory.create()
    member = member_of(community)
    going = EventFactory.create(community=community, title="Going")
    EventFactory.create(community=community, title="Not registered")
    services.rsvp(actor=member, event=going, response="in_person")
    old = services.calendar_token(member).token
    feed = _parse(client.get(reverse("events:member_feed", args=[old])))
    assert [str(e["SUMMARY"]) for e in feed.events] == ["Going"]

    new = services.calendar_token_reset(member=member).token
    assert new != old
    assert client.get(reverse("events:member_feed", args=[old])).status_code == 404
    assert client.get(reverse("events:member_feed", args=[new])).status_code == 200
