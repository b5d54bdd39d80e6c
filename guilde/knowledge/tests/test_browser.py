"""In a browser: a solved question captured as an article, verified by a steward, put in a
learning path, ticked by a member. Every page accessible and CSP-clean."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from conftest import signed_in_page
from guilde.accounts.tests.factories import MemberFactory
from guilde.communities import services as community_services
from guilde.communities.tests.factories import MembershipFactory
from guilde.discussions import services as discussions

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_capture_verify_path_and_tick(live_server, browser):
    steward = MemberFactory.create(email="steward@example.org", display_name="Stella Steward")
    asker = MemberFactory.create(email="asker@example.org", display_name="Ada Asker")
    helper = MemberFactory.create(email="helper@example.org", display_name="Hugo Helper")
    community = community_services.community_create(
        actor=steward, name="Bakers", domain="Bread", slug="bakers"
    )
    for member in (asker, helper):
        MembershipFactory.create(community=community, member=member)
    question = discussions.thread_create(
        actor=asker,
        community=community,
        kind="question",
        title="How long to proof rye?",
        body="Mine collapses.",
    )
    answer = discussions.post_create(
        actor=helper, thread=question, body="Proof rye for 60 minutes, not more."
    )
    discussions.answer_accept(actor=asker, thread=question, post=answer)

    context, ada = signed_in_page(browser, live_server, "asker@example.org")
    page = ada.page
    page.goto(live_server.url + question.get_absolute_url())
    page.get_by_role("link", name="Capture as an article").click()
    ada.assert_clean()
    page.get_by_role("button", name="Make the draft").click()
    expect(page.locator("#id_body")).to_have_value(re.compile("Proof rye for 60 minutes"))
    ada.assert_clean()
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_role("button", name="Publish", exact=True).click()
    page.get_by_text("The article is published.").wait_for()
    article_url = page.url
    context.close()

    context, stella = signed_in_page(browser, live_server, "steward@example.org")
    page = stella.page
    page.goto(article_url)
    page.get_by_text("From the discussion").wait_for()
    page.get_by_role("button", name="Verify: it is correct").click()
    page.get_by_text("Verified by Stella Steward").wait_for()
    stella.assert_clean()
    page.goto(live_server.url + "/communities/bakers/articles/")
    page.get_by_role("link", name="New learning path").click()
    page.get_by_label("Title").fill("Getting started with rye")
    page.get_by_role("button", name="Create").click()
    page.get_by_label("New section").fill("The basics")
    page.get_by_role("button", name="Add").first.click()
    page.get_by_label("Article").select_option(label="How long to proof rye?")
    page.locator("form", has=page.get_by_label("Article")).get_by_role("button", name="Add").click()
    stella.assert_clean()
    page.get_by_role("link", name="Getting started with rye").click()
    page.get_by_role("link", name="How long to proof rye?").wait_for()
    context.close()

    context, ada = signed_in_page(browser, live_server, "asker@example.org")
    page = ada.page
    page.goto(live_server.url + "/communities/bakers/articles/")
    page.get_by_role("link", name="Getting started with rye").click()
    page.get_by_role("button", name=re.compile("Mark as done")).click()
    page.get_by_text("1 of 1 steps done").wait_for()
    ada.assert_clean()
    context.close()
