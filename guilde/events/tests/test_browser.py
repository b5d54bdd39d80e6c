"""In a browser (issue 14, acceptance 5): a host creates a hybrid event, a member answers
"going, online" and downloads the .ics (with the join link, now theirs), the host marks
attendance and captures the notes as a draft article. Every page accessible, CSP-clean."""

from __future__ import annotations

import re
from datetime import timedelta

import icalendar
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import signed_in_page
from guilde.accounts.tests.factories import MemberFactory
from guilde.communities import services as community_services
from guilde.communities.tests.factories import MembershipFactory
from guilde.events.models import Event, Registration

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hybrid_event_rsvp_ics_attendance_and_capture(live_server, browser, tmp_path):
    host = MemberFactory.create(
        email="host@example.org", display_name="Hana Host", time_zone="Europe/Paris"
    )
    attendee = MemberFactory.create(
        email="attendee@example.org", display_name="Aditi Attendee", time_zone="America/Montreal"
    )
    community = community_services.community_create(
        actor=host, name="Bakers", domain="Bread", slug="bakers"
    )
    MembershipFactory.create(community=community, member=attendee)
    day = (timezone.now() + timedelta(days=10)).date()

    context, hana = signed_in_page(browser, live_server, "host@example.org")
    page = hana.page
    page.goto(f"{live_server.url}/communities/bakers/events/")
    hana.assert_clean()
    page.get_by_role("link", name="New event").click()
    hana.assert_clean()
    page.get_by_label("Title").fill("Sourdough clinic")
    page.get_by_label("Kind").select_option("workshop")
    page.get_by_label("Format").select_option("hybrid")
    page.get_by_label("Starts", exact=True).fill(f"{day:%Y-%m-%d}T18:00")
    page.get_by_label("Ends", exact=True).fill(f"{day:%Y-%m-%d}T20:00")
    page.get_by_label("Venue").fill("The bakehouse")
    page.get_by_label("Join link").fill("https://meet.example.org/sourdough")
    page.get_by_label("Online seats").fill("10")
    page.get_by_role("button", name="Publish the event").click()
    page.get_by_text("The event is published.").wait_for()
    expect(page.get_by_role("link", name="Join online")).to_be_visible()  # hosts see it
    hana.assert_clean()
    event_url = page.url
    context.close()

    context, aditi = signed_in_page(browser, live_server, "attendee@example.org")
    page = aditi.page
    page.goto(event_url)
    expect(
        page.get_by_text("The link to join online is shown to those with a seat.")
    ).to_be_visible()
    # Her zone first (noon in Montreal), the event's beside it.
    expect(page.locator(".event-when")).to_contain_text("12:00")
    expect(page.locator(".event-when")).to_contain_text("18:00")
    aditi.assert_clean()
    page.get_by_role("button", name="Going, online").click()
    page.get_by_text("Your answer is saved.").wait_for()
    expect(page.get_by_role("link", name="Join online")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Add to calendar (.ics)").click()
    saved = tmp_path / "event.ics"
    download.value.save_as(saved)
    calendar = icalendar.Calendar.from_ical(saved.read_bytes())
    [vevent] = calendar.events
    assert str(vevent["SUMMARY"]) == "Sourdough clinic"
    assert "meet.example.org/sourdough" in str(vevent["DESCRIPTION"])
    assert str(vevent.DTSTART.tzinfo) == "Europe/Paris"
    assert vevent.DTSTART.hour == 18
    aditi.assert_clean()
    context.close()

    # The evening comes: the event is under way.
    event = Event.objects.get(title="Sourdough clinic")
    Event.objects.filter(pk=event.pk).update(
        start=timezone.now() - timedelta(hours=1), end=timezone.now() + timedelta(hours=1)
    )

    context, hana = signed_in_page(browser, live_server, "host@example.org")
    page = hana.page
    page.goto(event_url)
    page.get_by_label("Attendance of Aditi Attendee").select_option("online")
    page.locator("#attendance").get_by_role("button", name="Save").click()
    expect(page.get_by_label("Attendance of Aditi Attendee")).to_have_value("online")
    hana.assert_clean()
    assert Registration.objects.get(member=attendee).attendance == "online"
    page.get_by_role("link", name="Notes and recording").click()
    page.get_by_label("Notes").fill("## What we learned\n\nFeed the starter twice a day.")
    page.get_by_label("Outcomes").fill("A feeding schedule for everyone")
    hana.assert_clean()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("The notes are saved.").wait_for()
    page.get_by_role("button", name="Capture as knowledge").click()
    page.get_by_text("A draft article is made from the notes").wait_for()
    expect(page.locator("#id_body")).to_have_value(re.compile("Feed the starter twice a day"))
    hana.assert_clean()
    context.close()
