"""In a browser: a coordinator creates a chat webhook from the community's settings, copies
its secret, sends a test to a real receiver and reads the log. Every page accessible and
CSP-clean."""

from __future__ import annotations

import pytest

from conftest import signed_in_page
from guilde.accounts.tests.factories import MemberFactory
from guilde.communities import services as community_services
from guilde.core.testing import run_queued_tasks
from guilde.webhooks.models import Webhook

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_sets_up_a_chat_webhook_and_tests_it(live_server, browser, receiver):
    coordinator = MemberFactory.create(email="coord@example.org", display_name="Cora")
    community_services.community_create(
        actor=coordinator, name="Bakers", domain="Bread", slug="bakers"
    )
    context, member = signed_in_page(browser, live_server, "coord@example.org")
    page = member.page
    page.goto(f"{live_server.url}/communities/bakers/settings/")
    page.get_by_role("link", name="Manage the webhooks").click()
    member.assert_clean()
    page.get_by_role("link", name="New webhook").click()
    member.assert_clean()
    page.get_by_label("Name").fill("Bakers on Mattermost")
    page.get_by_label("Address").fill(receiver.url)
    page.get_by_label("Chat: a Slack, Mattermost or Teams incoming webhook").check()
    page.get_by_label("A thread is started").check()
    page.get_by_label("An event is created").check()
    page.get_by_role("button", name="Create the webhook").click()

    secret = page.get_by_test_id("webhook-secret").input_value()
    webhook = Webhook.objects.get()
    assert secret == webhook.secret
    member.assert_clean()
    page.get_by_role("link", name="Go to the webhook").click()
    page.get_by_role("button", name="Send a test").click()
    page.get_by_text("A test is on its way").wait_for()
    run_queued_tasks()
    page.reload()
    page.get_by_text("webhook.test").wait_for()
    assert page.get_by_text("HTTP 200").count() >= 1
    member.assert_clean()
    assert receiver.requests[0].json() == {
        "text": "Guilde: a test of the webhook “Bakers on Mattermost”. It works."
    }
    context.close()
