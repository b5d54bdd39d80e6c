from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.browser_locale("fr-FR")
def test_a_french_visitor_switches_to_english(live_server, browser_page):
    page = browser_page.page
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Apprenez de celles et ceux qui font le travail"
    )
    browser_page.assert_clean()

    page.get_by_label("Langue").select_option("en")
    page.get_by_role("button", name="Changer").click()
    page.wait_for_load_state()

    assert page.locator("html").get_attribute("lang") == "en"
    assert (
        page.get_by_role("heading", level=1).inner_text() == "Learn from the people who do the work"
    )
    browser_page.assert_clean()


def test_the_api_documentation_loads_without_a_cdn_or_csp_violation(live_server, browser_page):
    page = browser_page.page
    external = []
    page.on(
        "request",
        lambda request: (
            external.append(request.url) if not request.url.startswith(live_server.url) else None
        ),
    )
    page.goto(live_server.url + "/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info", timeout=15_000)
    assert "Guilde API" in page.inner_text(".swagger-ui .info")
    assert external == []
    assert browser_page.csp_violations == []
    assert browser_page.errors == []
