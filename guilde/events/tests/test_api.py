"""The events API: ranges of occurrences (constant queries), creating with clear errors,
answering, the registrations hosts see, calendars, the personal feed's address."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import icalendar
import pytest
from django.utils import timezone

from guilde.communities.tests.factories import CommunityFactory, MembershipFactory, member_of
from guilde.core.testing import assert_constant_queries
from guilde.events import services
from guilde.events.models import Event
from guilde.events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def test_range_costs_the_same_queries_for_1_or_20_events(client):
    """Events in several communities, hybrid with a join link: whether the viewer may see
    each link is answered from memberships loaded once."""
    communities = [CommunityFactory.create() for _ in range(3)]
    members = [member_of(communities[0]) for _ in range(2)]
    for community in communities[1:]:
        for member in members:
            MembershipFactory.create(community=community, member=member)
    community = communities[0]
    client.force_login(members[0])

    def setup(count: int) -> None:
        while Event.objects.count() < count:
            number = Event.objects.count()
            event = EventFactory.create(
                community=communities[number % 3],
                format="hybrid",
                join_url="https://meet.example/room",
                start=timezone.now() + timedelta(days=1 + number),
                repeat="weekly" if number % 2 else "",
                repeat_count=3 if number % 2 else None,
            )
            for member in members:
                services.rsvp(
                    actor=member,
                    event=event,
                    response="interested",
                    occurrence=event.start if event.repeat else None,
                )

    for url in ("/api/v1/events", f"/api/v1/communities/{community.slug}/events"):
        Event.objects.all().delete()
        assert_constant_queries(setup=setup, action=partial(client.get, url))
    body = client.get("/api/v1/events?mine=true").json()
    assert body["results"][0]["my_response"] == "interested"
    assert not body["truncated"]


def test_create_answer_and_read_back(client):
    community = CommunityFactory.create()
    organiser = member_of(community)
    attendee = member_of(community)
    client.force_login(organiser)
    start = timezone.now() + timedelta(days=3)
    bad = client.post(
        f"/api/v1/communities/{community.slug}/events",
        {"title": "Meetup", "start": start.isoformat(), "end": start.isoformat(),
         "time_zone": "Europe/Paris", "format": "online"},
        content_type="application/json",
    )  # fmt: skip
    assert bad.status_code == 422
    assert "ends after it starts" in bad.json()["detail"]
    made = client.post(
        f"/api/v1/communities/{community.slug}/events",
        {"title": "Meetup", "start": start.isoformat(),
         "end": (start + timedelta(hours=1)).isoformat(), "time_zone": "Europe/Paris",
         "format": "online", "join_url": "https://meet.example/room", "capacity_online": 1},
        content_type="application/json",
    )  # fmt: skip
    assert made.status_code == 201, made.content
    event_id = made.json()["id"]
    assert made.json()["hosts"] == [{"username": organiser.username, "name": organiser.name}]
    client.force_login(attendee)
    answer = client.put(
        f"/api/v1/events/{event_id}/rsvp", {"response": "online"}, content_type="application/json"
    )
    assert answer.json()["waitlisted"] is False
    detail = client.get(f"/api/v1/events/{event_id}").json()
    assert detail["join_url"] == "https://meet.example/room"
    assert client.get(f"/api/v1/events/{event_id}/registrations").status_code == 403
    client.force_login(organiser)
    rows = client.get(f"/api/v1/events/{event_id}/registrations").json()
    assert [row["member"]["username"] for row in rows] == [attendee.username]
    ics = client.get(f"/api/v1/events/{event_id}/ics")
    assert ics["Content-Type"].startswith("text/calendar")
    assert icalendar.Calendar.from_ical(ics.content).events[0]["SUMMARY"] == "Meetup"


def test_calendar_address_and_reset(client):
    member = member_of(CommunityFactory.create())
    client.force_login(member)
    first = client.get("/api/v1/me/calendar").json()["url"]
    second = client.post("/api/v1/me/calendar/reset").json()["url"]
    assert first != second
    assert first.startswith("http")
    assert client.get(first.split("testserver", 1)[-1]).status_code == 404
