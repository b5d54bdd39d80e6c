"""In a browser: results appear as one types, filters narrow them, a result opens; similar
questions show up while a question is being asked. Every page accessible and CSP-clean."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from guilde.accounts.tests.factories import PASSWORD, MemberFactory
from guilde.communities import services as community_services
from guilde.communities.tests.factories import MembershipFactory
from guilde.discussions import services as discussions

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_live_results_filters_and_similar_questions(live_server, browser):
    from conftest import BrowserPage

    asker = MemberFactory.create(email="asker@example.org", display_name="Ada Asker")
    coordinator = MemberFactory.create(email="coord@example.org")
    community = community_services.community_create(
        actor=coordinator, name="Brasseurs", domain="Bière", slug="brasseurs", language="fr"
    )
    MembershipFactory.create(community=community, member=asker)
    question = discussions.thread_create(
        actor=asker,
        community=community,
        kind="question",
        title="Quels événements pour brasseurs amateurs ?",
        body="Je cherche des salons et des concours.",
    )
    discussions.thread_create(
        actor=asker,
        community=community,
        kind="discussion",
        title="Retour sur le salon de printemps",
        body="Un bel évènement, beaucoup de levures.",
    )

    context = browser.new_context(locale="en-GB")
    visitor = BrowserPage(context.new_page())
    page = visitor.page
    page.set_default_timeout(10_000)
    page.goto(live_server.url + "/search/")
    visitor.assert_clean()
    page.get_by_label("Search for").fill("evenement")  # no accent, singular
    results = page.locator("#search-results .search-result")
    expect(results).to_have_count(2)
    expect(page.locator("#search-results mark").first).to_have_text(
        re.compile("év[eéè]nement", re.IGNORECASE)
    )
    expect(page).to_have_url(re.compile(r"q=evenement"))
    visitor.assert_clean()
    page.get_by_role("link", name=re.compile("^Questions")).click()
    expect(results).to_have_count(1)
    results.first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/threads/{question.pk}/"))
    context.close()

    context = browser.new_context(locale="en-GB")
    member = BrowserPage(context.new_page())
    page = member.page
    page.set_default_timeout(10_000)
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=login]", "asker@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stacked-form button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + "/communities/brasseurs/threads/new/")
    page.get_by_label("Title").fill("Des événements de brasseurs ?")
    expect(page.locator("#similar-questions")).to_contain_text(
        "Quels événements pour brasseurs amateurs ?"
    )
    member.assert_clean()
    context.close()
