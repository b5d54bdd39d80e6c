"""In a browser: the bell counts a new answer without a reload, the notification leads to it,
a direct message goes out; each page is accessible and keeps to the CSP."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import signed_in_page
from guilde.accounts.tests.factories import MemberFactory
from guilde.communities import services as community_services
from guilde.communities.tests.factories import MembershipFactory
from guilde.core.testing import run_queued_tasks
from guilde.discussions import services as discussions

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_bell_counts_without_reload_and_leads_to_the_answer(live_server, browser, settings):
    settings.GUILDE_BELL_POLL_SECONDS = 1
    asker = MemberFactory.create(email="asker@example.org", display_name="Ada Asker")
    helper = MemberFactory.create(
        email="helper@example.org", display_name="Hugo Helper", username="hugo"
    )
    community = community_services.community_create(
        actor=asker, name="Bakers", domain="Bread", slug="bakers"
    )
    MembershipFactory.create(community=community, member=helper)
    question = discussions.thread_create(
        actor=asker, community=community, kind="question", title="Dense loaf?", body="Why?"
    )
    run_queued_tasks()

    context, ada = signed_in_page(browser, live_server, "asker@example.org")
    page = ada.page
    bell = page.locator("#bell")
    expect(bell).not_to_contain_text("unread")
    discussions.post_create(actor=helper, thread=question, body="Let it rise longer.")
    run_queued_tasks()
    expect(page.locator("#bell .bell-count")).to_contain_text("1", timeout=5_000)  # no reload
    ada.assert_clean()

    page.locator("#bell").click()
    page.wait_for_url(live_server.url + "/notifications/")
    link = page.get_by_role("link", name="Hugo Helper answered your question — Dense loaf?")
    ada.assert_clean()
    link.click()
    page.get_by_text("Let it rise longer.").wait_for()
    assert f"/threads/{question.pk}/" in page.url
    expect(page.locator("#bell .bell-count")).to_have_count(0)

    page.goto(live_server.url + "/settings/notifications/")
    page.get_by_label("Mentions").select_option("daily")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("Your notification settings were saved.").wait_for()
    ada.assert_clean()

    page.goto(live_server.url + "/messages/new/?to=hugo")
    page.get_by_label("Subject").fill("Flour")
    page.get_by_label("Message").fill("Which **flour** do you use?")
    page.get_by_role("button", name="Send").click()
    page.locator(".post-body strong", has_text="flour").wait_for()
    ada.assert_clean()
    context.close()

    run_queued_tasks()
    hugo_context, hugo = signed_in_page(browser, live_server, "helper@example.org", locale="fr-FR")
    expect(hugo.page.locator("#bell .bell-count")).to_contain_text("1")
    hugo.page.goto(live_server.url + "/messages/")
    hugo.page.get_by_role("link", name="Flour").click()
    hugo.page.get_by_text("Which").wait_for()
    hugo.assert_clean()
    hugo.page.goto(live_server.url + "/notifications/")
    hugo.assert_clean()
    hugo_context.close()
