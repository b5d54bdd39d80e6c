"""In a browser (issue 16): a page with a line chart, a stacked bar chart and a heatmap
through analytics/_figure.html, under the site's real Content-Security-Policy, in light and
dark schemes: no CSP violation, no serious axe violation; the numbers unfold, the CSV
downloads, and print shows the tables."""

from __future__ import annotations

import csv

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def _figures_page(settings):
    settings.ROOT_URLCONF = "guilde.analytics.tests.urls"


@pytest.mark.usefixtures("_figures_page")
def test_figures_are_csp_clean_accessible_and_printable(live_server, browser_page, tmp_path):
    page = browser_page.page
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.goto(f"{live_server.url}/test-charts/")
        expect(page.locator("svg[role=img]")).to_have_count(3)
        expect(page.get_by_role("img", name="Active members per week")).to_be_visible()
        browser_page.assert_clean()

    # The names reach the page as text, never as markup.
    assert page.locator("svg title", has_text="Active members per week").count() == 1
    assert page.locator("members").count() == 0

    page.get_by_text("The numbers").first.click()
    table = page.get_by_role("table", name="Active members per week")
    expect(table).to_be_visible()
    expect(table.get_by_role("columnheader", name="Active <members>")).to_be_visible()
    browser_page.assert_clean()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV (Active members per week)").click()
    saved = tmp_path / "active.csv"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "active.csv"
    rows = list(csv.reader(saved.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == ["week", "Active <members>", "Posting & replying"]
    assert len(rows) == 53

    page.emulate_media(media="print", color_scheme="dark")
    expect(page.locator(".print-table").first).to_be_visible()
    expect(page.locator(".chart-data").first).to_be_hidden()
    expect(page.locator(".chart-actions").first).to_be_hidden()
    # Black on white, whatever the screen's scheme.
    colour = page.locator("svg.chart").first.evaluate("svg => getComputedStyle(svg).color")
    assert colour == "rgb(0, 0, 0)"
