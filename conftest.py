"""Fixtures shared by every app's tests: mail through the queue, tasks, browser tests."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError

from guilde.core.testing import chromium_path

# Playwright's sync API runs an event loop in the test thread; Django refuses database
# access from a thread with a running loop unless told that this is intended.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "1")

ROOT = Path(__file__).resolve().parent
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BROWSER_REQUIRED = os.environ.get("GUILDE_REQUIRE_BROWSER") == "1"


@pytest.fixture(autouse=True)
def _mail_goes_through_the_queue(settings: Any) -> None:
    """Django's test set-up makes every mailer locmem; put the queue back in front of it."""
    settings.MAILERS = {
        "default": {"BACKEND": "guilde.core.mail.QueuedEmailBackend"},
        "delivery": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"},
    }


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Rate-limit counters and cached values never leak from one test to the next."""
    from django.core.cache import cache

    from guilde.communities.selectors import forget_member_counts

    cache.clear()
    forget_member_counts()  # and each process's copy of the member counts
    yield
    cache.clear()
    forget_member_counts()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """A member's language, activated by a request of the test client (the thread's, as
    in a server's thread until its next request), never reaches the next test."""
    from django.utils import translation

    yield
    translation.deactivate()


def _browser_unavailable() -> str | None:
    if chromium_path() is None:
        return "Debian's chromium is not installed (apt-get install -y chromium)"
    if not AXE_SCRIPT.exists():
        return "axe-core is not installed (npm ci, run by make install)"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    reason = _browser_unavailable()
    if reason:
        if BROWSER_REQUIRED:
            pytest.fail(f"GUILDE_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(f"BROWSER TESTS SKIPPED: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path(),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield chromium
        chromium.close()


def _navigating(error: Exception) -> bool:
    message = str(error)
    return "documentElement" in message or "context was destroyed" in message


class BrowserPage:
    """A Playwright page that records CSP violations and page errors, with axe checks."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.csp_violations: list[str] = []
        self.errors: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        # Violations are also reported as DOM events, caught before any page script runs.
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => "
            "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
        )

    def _on_console(self, message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or text.startswith("CSP violation"):
            self.csp_violations.append(text)

    def axe_violations(
        self, *, impacts: tuple[str, ...] = ("serious", "critical")
    ) -> list[dict[str, Any]]:
        """Run axe-core on the current page; return its violations of the given impacts."""
        # evaluate() runs in the page through the DevTools protocol, which the page's CSP
        # does not govern, so the checker needs no exception in the policy.
        # A click that navigates returns before the next document exists: a check run in
        # between finds no document, or loses its context when the new one arrives. Wait
        # for the page to settle, and check the settled page again if that still happened.
        for attempt in range(3):
            self.page.wait_for_load_state("load")
            try:
                self.page.evaluate(AXE_SCRIPT.read_text())
                results = self.page.evaluate("async () => await axe.run(document)")
            except PlaywrightError as error:
                if attempt == 2 or not _navigating(error):
                    raise
                continue
            return [v for v in results["violations"] if v["impact"] in impacts]
        raise AssertionError("unreachable")

    def assert_clean(self) -> None:
        """No CSP violation, no script error, no serious or critical axe violation."""
        assert self.csp_violations == [], f"CSP violations: {self.csp_violations}"
        assert self.errors == [], f"page errors: {self.errors}"
        violations = self.axe_violations()
        summary = json.dumps(
            [
                {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
                for v in violations
            ],
            indent=1,
        )
        assert violations == [], f"axe violations:\n{summary}"


def signed_in_page(
    browser: Any, live_server: Any, email: str, locale: str = "en-GB"
) -> tuple[Any, BrowserPage]:
    """A new browser context signed in as ``email`` (password PASSWORD), in ``locale``:
    (the context, to close; its page)."""
    from guilde.accounts.tests.factories import PASSWORD

    context = browser.new_context(locale=locale, extra_http_headers={"Accept-Language": locale})
    page = BrowserPage(context.new_page())
    page.page.set_default_timeout(10_000)
    page.page.goto(live_server.url + "/accounts/login/")
    page.page.fill("input[name=login]", email)
    page.page.fill("input[name=password]", PASSWORD)
    page.page.click("form.stacked-form button[type=submit]")
    page.page.wait_for_url(live_server.url + "/")
    return context, page


@pytest.fixture
def browser_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[BrowserPage]:
    """A fresh browser context; ``locale`` from ``@pytest.mark.browser_locale("fr-FR")``."""
    marker = request.node.get_closest_marker("browser_locale")
    locale = marker.args[0] if marker else "en-GB"
    context = browser.new_context(locale=locale, extra_http_headers={"Accept-Language": locale})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield BrowserPage(page)
    context.close()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser_locale(locale): the browser's language")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    # Checked here rather than remembered from the fixture: under pytest-xdist the
    # fixture ran in another process.
    reason = _browser_unavailable()
    if reason and not BROWSER_REQUIRED:
        terminalreporter.section("BROWSER TESTS SKIPPED", sep="!", red=True, bold=True)
        terminalreporter.line(
            f"The browser tests did not run: {reason}. "
            "Install it to run them (CI sets GUILDE_REQUIRE_BROWSER=1 and fails instead).",
            red=True,
            bold=True,
        )


@pytest.fixture(autouse=True)
def _no_vector_index_from_another_test() -> Iterator[None]:
    """A process keeps the vector index it mapped for two seconds: never across tests
    (another test's index would name threads this test's database does not have)."""
    from guilde.semantic import vectors

    vectors.forget()
    yield
    vectors.forget()
