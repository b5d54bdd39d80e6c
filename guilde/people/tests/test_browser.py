"""In a browser: a profile's expertise loads, a skill is endorsed, the member is followed;
an open question shows who could answer and one is asked. Accessible and CSP-clean."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import signed_in_page
from guilde.accounts import services as accounts
from guilde.accounts.tests.factories import MemberFactory
from guilde.communities.models import Tag
from guilde.communities.tests.factories import CommunityFactory, MembershipFactory
from guilde.discussions import services as discussions
from guilde.notifications.models import Notification
from guilde.people import evidence

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_endorse_follow_and_ask_to_answer(live_server, browser):
    community = CommunityFactory.create(slug="brewers", name="Brewers")
    Tag.objects.create(community=community, slug="hops", name="Hops")
    expert = MemberFactory.create(username="hana", display_name="Hana Hops")
    asker = MemberFactory.create(email="asker@example.org", display_name="Ada Asker")
    for member in (expert, asker):
        MembershipFactory.create(community=community, member=member)
    accounts.skills_set(actor=expert, member=expert, kind="skill", names=["Dry hopping"])
    old = discussions.thread_create(
        actor=asker, community=community, kind="question", title="Which hops?", body="?",
        tags=["hops"],
    )  # fmt: skip
    discussions.post_create(actor=expert, thread=old, body="Citra.")
    open_question = discussions.thread_create(
        actor=asker, community=community, kind="question", title="When to dry hop?", body="?",
        tags=["hops"],
    )  # fmt: skip
    evidence.refresh()
    context, browser_page = signed_in_page(browser, live_server, "asker@example.org")
    page = browser_page.page
    page.goto(f"{live_server.url}/members/hana/")
    expect(page.get_by_text("Knows about")).to_be_visible()
    page.get_by_role("button", name="Endorse Dry hopping").click()
    expect(page.get_by_role("button", name="Endorsed Dry hopping")).to_be_visible()
    page.get_by_role("button", name="Follow").click()
    expect(page.get_by_role("button", name="Following")).to_be_visible()
    browser_page.assert_clean()
    page.goto(f"{live_server.url}{open_question.get_absolute_url()}")
    expect(page.get_by_text("People who could answer")).to_be_visible()
    page.get_by_role("button", name="Ask to answer Hana Hops").click()
    expect(page.locator(".could-answer .badge")).to_have_text("asked")
    browser_page.assert_clean()
    assert Notification.objects.filter(recipient=expert, kind="answer_request").exists()
    page.goto(f"{live_server.url}/people/")
    expect(page.get_by_role("link", name="Which hops?").first).to_be_visible()
    browser_page.assert_clean()
    context.close()
