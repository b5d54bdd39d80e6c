"""Joining communities in the browser, in English and in French."""

from __future__ import annotations

import pytest

from guilde.accounts.tests.factories import PASSWORD, MemberFactory
from guilde.communities import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en-GB": {
        "join": "Join",
        "ask": "Ask to join",
        "message": "A word for the coordinators",
        "welcome_to": "Welcome to Bakers’ Corner!",
        "sent": "Your request was sent to the coordinators.",
        "welcome": "Welcome Nadia Newcomer",
        "is_member": "Nadia Newcomer is now a member.",
        "mine": "My communities",
    },
    "fr-FR": {
        "join": "Rejoindre",
        "ask": "Demander à rejoindre",
        "message": "Un mot pour les coordinateurs",
        "welcome_to": "Bienvenue dans Bakers’ Corner !",
        "sent": "Votre demande a été envoyée aux coordinateurs.",
        "welcome": "Accueillir Nadia Newcomer",
        "is_member": "Nadia Newcomer est maintenant membre.",
        "mine": "Mes communautés",
    },
}


def _sign_in(browser, live_server, email: str, locale: str, browser_page_factory):
    context = browser.new_context(locale=locale, extra_http_headers={"Accept-Language": locale})
    page = browser_page_factory(context.new_page())
    page.page.goto(live_server.url + "/accounts/login/")
    page.page.fill("input[name=login]", email)
    page.page.fill("input[name=password]", PASSWORD)
    page.page.click("form.stacked-form button[type=submit]")
    page.page.wait_for_url(live_server.url + "/")
    return context, page


@pytest.mark.parametrize("locale", ["en-GB", "fr-FR"])
def test_join_ask_get_approved_and_find_it_in_my_communities(live_server, browser, locale):
    from conftest import BrowserPage

    words = WORDS[locale]
    coordinator = MemberFactory.create(
        email="coordinator@example.org", display_name="Carla Coordinator"
    )
    MemberFactory.create(email="newcomer@example.org", display_name="Nadia Newcomer")
    services.community_create(
        actor=coordinator, name="Bakers’ Corner", domain="Bread", slug="bakers"
    )
    services.community_create(
        actor=coordinator,
        name="Master Bakers",
        domain="Bread, seriously",
        slug="masters",
        join_policy="approval",
    )

    context, newcomer = _sign_in(browser, live_server, "newcomer@example.org", locale, BrowserPage)
    page = newcomer.page
    page.goto(live_server.url + "/communities/bakers/")
    newcomer.assert_clean()
    page.get_by_role("button", name=words["join"], exact=True).click()
    page.get_by_text(words["welcome_to"]).wait_for()

    page.goto(live_server.url + "/communities/masters/")
    page.get_by_label(words["message"]).fill("I bake every morning.")
    page.get_by_role("button", name=words["ask"]).click()
    page.get_by_text(words["sent"]).wait_for()
    newcomer.assert_clean()

    coordinator_context, coordinator_page = _sign_in(
        browser, live_server, "coordinator@example.org", locale, BrowserPage
    )
    coordinator_page.page.goto(live_server.url + "/communities/masters/requests/")
    coordinator_page.assert_clean()
    coordinator_page.page.get_by_role("button", name=words["welcome"]).click()
    coordinator_page.page.get_by_text(words["is_member"]).wait_for()
    coordinator_context.close()

    page.goto(live_server.url + "/")
    page.get_by_role("heading", name=words["mine"]).wait_for()
    mine = page.locator("section[aria-labelledby=mine-title]")
    assert mine.get_by_role("link", name="Bakers’ Corner").is_visible()
    assert mine.get_by_role("link", name="Master Bakers").is_visible()
    newcomer.assert_clean()
    context.close()
