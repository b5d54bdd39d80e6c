"""The events pages: lists and the month calendar (constant queries whatever the events
and answers), the event page, organising through the form, the join link's audience,
private communities' events kept from outsiders and anonymous visitors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from guilde.accounts.models import User
from guilde.communities.models import Community
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import assert_constant_queries
from guilde.events import services
from guilde.events.models import Event, Registration
from guilde.events.recurrence import occurrences_between
from guilde.events.tests.factories import EventFactory
from guilde.knowledge.models import Article

pytestmark = pytest.mark.django_db
JOIN = "https://meet.example/secret-room"


def _fill(community: Community, members: list[User], count: int) -> None:
    """Bring the community to ``count`` events (some series), each with answers."""
    have = Event.objects.filter(community=community).count()
    for number in range(have, count):
        event = EventFactory.create(
            community=community,
            start=timezone.now() + timedelta(days=1 + number % 20, hours=number),
            format="hybrid",
            join_url=JOIN,
            repeat="weekly" if number % 3 == 0 else "",
            repeat_count=4 if number % 3 == 0 else None,
        )
        event.tags.set(community.tags.all()[:2])
        for member in members:
            key = None
            if event.repeat:
                key = occurrences_between(event, event.start, event.end)[0].key
            services.rsvp(actor=member, event=event, response="online", occurrence=key)


@pytest.mark.parametrize(
    "route", ["events:community", "events:community_month", "events:all", "events:all_month"]
)
def test_lists_and_calendars_cost_the_same_queries_for_1_or_20_events(client, route):
    community = CommunityFactory.create()
    community.tags.create(name="Hops", slug="hops")
    members = [member_of(community) for _ in range(3)]
    client.force_login(members[0])
    kwargs = {"slug": community.slug} if route.startswith("events:community") else {}
    url = reverse(route, kwargs=kwargs)
    if "month" in route:
        # The month the events fall in (they start within the next three weeks).
        url += f"?month={timezone.now() + timedelta(days=10):%Y-%m}"
    assert_constant_queries(
        setup=partial(_fill, community, members), action=partial(client.get, url)
    )
    page = client.get(url).content.decode()
    assert "Event " in page
    assert JOIN not in page


def test_event_page_costs_the_same_for_1_or_20_answers(client):
    community = CommunityFactory.create()
    host = member_of(community, role="coordinator")
    event = EventFactory.create(community=community, created_by=host, format="hybrid")

    def setup(count: int) -> None:
        while Registration.objects.filter(event=event).count() < count:
            services.rsvp(actor=member_of(community), event=event, response="in_person")

    client.force_login(host)
    assert_constant_queries(setup=setup, action=partial(client.get, event.get_absolute_url()))


def test_private_community_events_stay_private(client):
    private = CommunityFactory.create(visibility=Community.Visibility.PRIVATE)
    member = member_of(private)
    outsider = member_of(CommunityFactory.create())
    EventFactory.create(community=private, title="Secret strategy day", join_url=JOIN)
    urls = [
        reverse("events:all"),
        reverse("events:all") + "?when=past",
        reverse("events:all_month") + f"?month={timezone.now() + timedelta(days=3):%Y-%m}",
        "/api/v1/events",
    ]
    for viewer in (None, outsider):
        client.logout()
        if viewer is not None:
            client.force_login(viewer)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200
            assert "Secret strategy day" not in response.content.decode()
        for url in (
            reverse("events:community", args=[private.slug]),
            reverse("events:community_feed", args=[private.slug]),
            f"/api/v1/communities/{private.slug}/events",
            f"/api/v1/communities/{private.slug}/events/ics",
        ):
            assert client.get(url).status_code == 404
        # The personal feed carries only what its owner may see.
        if viewer is not None:
            token = services.calendar_token(viewer).token
            body = client.get(reverse("events:member_feed", args=[token])).content.decode()
            assert "Secret strategy day" not in body
    client.force_login(member)
    assert "Secret strategy day" in client.get(reverse("events:all")).content.decode()


def test_join_link_only_for_those_with_a_seat(client):
    community = CommunityFactory.create()
    host = member_of(community, role="member")
    event = EventFactory.create(
        community=community, created_by=host, format="hybrid", join_url=JOIN, capacity_online=1
    )
    seated, waiting, interested = (member_of(community) for _ in range(3))
    services.rsvp(actor=seated, event=event, response="online")
    services.rsvp(actor=waiting, event=event, response="online")
    services.rsvp(actor=interested, event=event, response="interested")
    url = event.get_absolute_url()
    api = f"/api/v1/events/{event.pk}"
    ics = reverse("events:ics", args=[community.slug, event.pk])
    client.logout()
    for target in (url, api, ics):
        assert JOIN not in client.get(target).content.decode()
    for viewer, sees in ((seated, True), (waiting, False), (interested, False), (host, True)):
        client.force_login(viewer)
        for target in (url, api, ics):
            assert (JOIN in client.get(target).content.decode()) is sees, (viewer, target)


def test_organiser_creates_a_series_through_the_form_in_their_zone(client):
    community = CommunityFactory.create()
    organiser = member_of(community, time_zone="America/Montreal")
    client.force_login(organiser)
    form = client.get(reverse("events:create", args=[community.slug])).content.decode()
    assert '<option value="America/Montreal" selected>' in form
    response = client.post(
        reverse("events:create", args=[community.slug]),
        {
            "title": "Reading group",
            "kind": "meetup",
            "format": "online",
            "start": "2027-03-04T19:00",
            "end": "2027-03-04T20:30",
            "time_zone": "America/Montreal",
            "repeat": "monthly_weekday",
            "repeat_interval": "1",
            "repeat_count": "6",
            "join_url": "meet.example/reading",
        },
    )
    event = Event.objects.get(title="Reading group")
    assert response.status_code == 302
    assert event.start == datetime(2027, 3, 4, 19, 0, tzinfo=ZoneInfo("America/Montreal"))
    assert event.join_url == "https://meet.example/reading"
    local = [
        o.start.astimezone(ZoneInfo("America/Montreal"))
        for o in occurrences_between(event, event.start, event.start + timedelta(days=200))
    ]
    # The first Thursday of each month, at 19:00 on the Montreal clock.
    assert [(d.month, d.day, d.hour) for d in local] == [
        (3, 4, 19), (4, 1, 19), (5, 6, 19), (6, 3, 19), (7, 1, 19), (8, 5, 19),
    ]  # fmt: skip
    assert event.last_end is not None
    assert event.last_end.astimezone(UTC).date() == datetime(2027, 8, 6, tzinfo=UTC).date()


def test_form_refuses_a_time_the_clocks_skip_and_keeps_what_was_typed(client):
    community = CommunityFactory.create()
    client.force_login(member_of(community))
    response = client.post(
        reverse("events:create", args=[community.slug]),
        {
            "title": "Too early",
            "kind": "meetup",
            "format": "in_person",
            "venue": "Café",
            "start": "2027-03-28T02:30",
            "end": "2027-03-28T04:00",
            "time_zone": "Europe/Paris",
            "repeat_interval": "1",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "the clocks skip it" in page
    assert 'value="Too early"' in page
    assert not Event.objects.exists()


def test_rsvp_page_flow_and_waitlist_message(client):
    community = CommunityFactory.create()
    event = EventFactory.create(community=community, capacity_in_person=1)
    first, second = member_of(community), member_of(community)
    rsvp = reverse("events:rsvp", args=[community.slug, event.pk])
    client.force_login(first)
    client.post(rsvp, {"response": "in_person"})
    client.force_login(second)
    page = client.post(rsvp, {"response": "in_person"}, follow=True).content.decode()
    assert "you are on the waitlist" in page
    client.force_login(first)
    client.post(rsvp, {"response": "not_going"})
    assert Registration.objects.get(member=second).has_seat


def test_host_marks_attendance_and_captures_the_notes_as_a_draft_article(client):
    community = CommunityFactory.create()
    host = member_of(community, role="coordinator")
    attendee = member_of(community)
    event = EventFactory.create(
        community=community,
        created_by=host,
        start=timezone.now() - timedelta(hours=3),
        end=timezone.now() - timedelta(hours=1),
    )
    client.force_login(host)
    client.post(
        reverse("events:attendance", args=[community.slug, event.pk]),
        {"member": attendee.username, "attendance": "in_person"},
    )
    assert Registration.objects.get(member=attendee).attendance == "in_person"
    client.post(
        reverse("events:followup", args=[community.slug, event.pk]),
        {"notes": "## Findings\n\nWe agreed on a checklist.", "outcomes": "A checklist"},
    )
    response = client.post(reverse("events:capture", args=[community.slug, event.pk]))
    article = Article.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("knowledge:edit", args=[community.slug, article.pk])
    assert article.status == Article.Status.DRAFT
    assert article.source_type == "event"
    assert article.source_id == event.pk
    assert "We agreed on a checklist" in article.revisions.get().body
    # The attendee rates it afterwards.
    client.force_login(attendee)
    client.post(reverse("events:feedback", args=[community.slug, event.pk]), {"rating": "4"})
    assert event.feedback.get().rating == 4


def test_calendar_settings_shows_and_resets_the_address(client):
    member = member_of(CommunityFactory.create())
    client.force_login(member)
    first = services.calendar_token(member).token
    assert first in client.get(reverse("events:calendar_settings")).content.decode()
    client.post(reverse("events:calendar_settings"))
    assert services.calendar_token(member).token != first


def test_event_page_marks_only_events_in_the_community_navigation(client):
    event = EventFactory.create()
    page = client.get(event.get_absolute_url()).content.decode()
    assert page.count('aria-current="page"') == 1
    assert 'aria-current="page">Events</a>' in page


@pytest.mark.parametrize(
    "url",
    [
        "/events/?from=9999-12-31",
        "/events/?when=past&from=0001-01-02",
        "/events/?from=not-a-date",
        "/events/calendar/?month=9999-12",
        "/events/calendar/?month=2026-13",
        "/events/calendar/?month=abc",
    ],
)
def test_odd_dates_in_addresses_are_ignored(client, url):
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "start=9999-12-01T00:00:00Z",
        "start=0001-01-01T00:00:00Z",
        "start=bad",
        "end=2020-01-01T00:00:00Z",
    ],
)
def test_odd_ranges_in_the_api_are_refused_clearly(client, query):
    response = client.get(f"/api/v1/events?{query}")
    assert response.status_code == 422


def test_last_weeks_seat_does_not_show_this_weeks_join_link(client):
    community = CommunityFactory.create()
    member = member_of(community)
    start = timezone.now() - timedelta(days=7, hours=1)
    event = EventFactory.create(
        community=community, start=start, end=start + timedelta(hours=2), format="online",
        join_url=JOIN, repeat="weekly", repeat_count=3,
    )  # fmt: skip
    past = occurrences_between(event, start, start + timedelta(hours=1))[0]
    Registration.objects.create(event=event, member=member, occurrence=past.key, response="online")
    client.force_login(member)
    assert JOIN not in client.get(event.get_absolute_url()).content.decode()


@pytest.mark.parametrize("key", ["99991231T235959Z", "00010101T000000Z"])
def test_extreme_occurrence_keys_are_not_found(client, key):
    event = EventFactory.create(repeat="weekly", repeat_count=3)
    assert client.get(event.get_absolute_url(), {"occurrence": key}).status_code == 404
    assert client.get(f"/api/v1/events/{event.pk}/registrations?occurrence={key}").status_code in (
        401,
        404,
    )


def test_naive_times_are_refused_by_the_api(client):
    community = CommunityFactory.create()
    client.force_login(member_of(community))
    response = client.post(
        f"/api/v1/communities/{community.slug}/events",
        {"title": "x", "start": "2027-01-01T10:00:00", "end": "2027-01-01T11:00:00",
         "time_zone": "Europe/Paris", "format": "online"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 422
