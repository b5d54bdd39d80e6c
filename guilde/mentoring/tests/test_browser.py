"""In a browser (issue 15, acceptance 5): a coordinator opens a programme, three mentors
and five mentees apply, the matching runs, the pairs accept, a check-in is logged. Every
page accessible, CSP-clean."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import signed_in_page
from guilde.accounts.tests.factories import MemberFactory
from guilde.communities import services as community_services
from guilde.communities.models import Tag
from guilde.communities.tests.factories import MembershipFactory
from guilde.core.testing import run_queued_tasks
from guilde.mentoring.models import Application, CheckIn, Match, Programme, Relationship

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MENTORS = {
    "mira@example.org": ("Mira Mentor", ["Sourdough", "Pastry"], "2"),
    "max@example.org": ("Max Mentor", ["Sourdough"], "2"),
    "mona@example.org": ("Mona Mentor", ["Pastry"], "1"),
}
MENTEES = {
    f"mentee{n}@example.org": (f"Mentee {n}", [topic]) for n, topic in enumerate(
        ["Sourdough", "Pastry", "Sourdough", "Pastry", "Sourdough"], start=1
    )
}  # fmt: skip


def _apply(browser, live_server, email, role, topics, capacity=None, *, check=False):
    context, member = signed_in_page(browser, live_server, email)
    page = member.page
    page.goto(f"{live_server.url}/communities/bakers/mentoring/")
    page.get_by_role("link", name="Spring mentoring").click()
    page.get_by_role("link", name=f"Apply as a {role}").click()
    if check:  # the same page for everyone: checked once per role
        member.assert_clean()
    for topic in topics:
        page.get_by_label(topic, exact=True).check()
    if capacity:
        page.get_by_label("How many mentees you can take").fill(capacity)
    page.get_by_label("English").check()
    page.get_by_label("Tuesday 18:00–21:00").check()
    page.get_by_role("button", name="Apply").click()
    page.get_by_text("Application saved").wait_for()
    context.close()


def _accept_all(browser, live_server, email, *, check=False):
    context, member = signed_in_page(browser, live_server, email)
    page = member.page
    page.goto(f"{live_server.url}/mentoring/")
    if check:
        member.assert_clean()
    buttons = page.get_by_role("button", name="Accept", exact=True)
    while buttons.count():
        buttons.first.click()
        page.wait_for_load_state()
        page.goto(f"{live_server.url}/mentoring/")
    context.close()


def test_programme_applications_matching_answers_and_a_check_in(live_server, browser):
    coordinator = MemberFactory.create(email="coord@example.org", display_name="Cora Coordinator")
    community = community_services.community_create(
        actor=coordinator, name="Bakers", domain="Bread", slug="bakers"
    )
    for name in ("Sourdough", "Pastry"):
        Tag.objects.create(community=community, name=name, slug=name.lower())
    for email, (display_name, *_rest) in {**MENTORS, **MENTEES}.items():
        MembershipFactory.create(
            community=community,
            member=MemberFactory.create(
                email=email, display_name=display_name, time_zone="Europe/Paris"
            ),
        )

    # The coordinator opens a programme.
    context, cora = signed_in_page(browser, live_server, "coord@example.org")
    page = cora.page
    page.goto(f"{live_server.url}/communities/bakers/")
    page.get_by_role("navigation", name="Community").get_by_role("link", name="Mentoring").click()
    cora.assert_clean()
    page.get_by_role("link", name="New programme").click()
    cora.assert_clean()
    page.get_by_label("Name").fill("Spring mentoring")
    page.get_by_label("Description").fill("Bakers teach bakers.")
    page.get_by_label("Most mentees per mentor").fill("2")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Programme created as a draft").wait_for()
    page.get_by_role("button", name="Open to applications").click()
    expect(page.get_by_text("Open for applications")).to_be_visible()
    cora.assert_clean()
    programme_url = page.url

    # Three mentors and five mentees apply.
    for n, (email, (_name, topics, capacity)) in enumerate(MENTORS.items()):
        _apply(browser, live_server, email, "mentor", topics, capacity, check=n == 0)
    for n, (email, (_name, topics)) in enumerate(MENTEES.items()):
        _apply(browser, live_server, email, "mentee", topics, check=n == 0)
    assert Application.objects.filter(role="mentor").count() == 3
    assert Application.objects.filter(role="mentee").count() == 5

    # The matching runs (in the worker: here, the test runs its queue), then publication.
    page.goto(programme_url)
    page.get_by_role("button", name="Close applications and match").click()
    page.get_by_role("link", name="Review the pairs").click()
    page.get_by_role("button", name="Run the matching").click()
    page.get_by_text("The matching runs in the background").wait_for()
    run_queued_tasks()
    page.reload()
    cora.assert_clean()
    rows = page.locator("#proposed-title + form + .table-scroll tbody tr")
    expect(rows).to_have_count(5)  # capacities 2 + 2 + 1: everyone has a mentor
    expect(page.locator(".criteria").first).to_contain_text("Topics")
    page.get_by_role("button", name="Publish 5 pairs").click()
    page.get_by_text("5 pairs published").wait_for()
    cora.assert_clean()
    context.close()
    assert Programme.objects.get().status == "running"
    assert set(Match.objects.values_list("status", flat=True)) == {"published"}

    # Both sides of every pair accept.
    for n, email in enumerate([*MENTEES, *MENTORS]):
        _accept_all(browser, live_server, email, check=n in (0, 5))
    assert Relationship.objects.count() == 5
    assert set(Match.objects.values_list("status", flat=True)) == {"accepted"}

    # A pair logs a check-in in its private space.
    context, mentee = signed_in_page(browser, live_server, "mentee1@example.org")
    page = mentee.page
    page.goto(f"{live_server.url}/mentoring/")
    page.get_by_role("link", name="Mentored by").click()
    mentee.assert_clean()
    page.get_by_label("Notes (only the two of you see them)").fill("We shaped a first loaf.")
    page.get_by_label("Next steps").fill("Try a longer proof.")
    page.get_by_role("button", name="Log the check-in").click()
    page.get_by_text("Check-in logged.").wait_for()
    expect(page.get_by_text("We shaped a first loaf.")).to_be_visible()
    mentee.assert_clean()
    context.close()
    check_in = CheckIn.objects.get()
    assert check_in.relationship.mentee.email == "mentee1@example.org"
