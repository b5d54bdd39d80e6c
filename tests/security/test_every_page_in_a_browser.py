"""Every main page, in English and in French, in a real browser (issue 19's sweep): no
Content-Security-Policy violation, no script error, no serious or critical axe-core
violation.

The pages are the route table's (tests/authorization/expectations.py): every GET route that
answers a full HTML page to a community's coordinator — or, for the instance's own pages,
to an administrator — in the authorization world (six communities of every kind, a private
question with a picture, an event, an article, a programme, a webhook...). Django's admin
and the API's own pages are left out (not Guilde's interface). A page added to the table is
swept with the others.

The pages are the same on either database: the sweep runs in the SQLite stage of
``.ci/run``.
"""

from __future__ import annotations

import fnmatch
import json
import os
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from conftest import signed_in_page
from guilde.accounts.tests.factories import PASSWORD
from guilde.core.ratelimits import policy
from tests.authorization.expectations import EXPECTATIONS
from tests.authorization.routes import Expect, url_routes
from tests.authorization.world import World, build_world

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="the pages do not depend on the database: swept in the SQLite stage",
    ),
]

SKIPPED_PREFIXES = ("admin:", "api:")


def _expectation(key: str) -> Expect | None:
    return EXPECTATIONS.get(key) or next(
        (
            e
            for pattern, e in EXPECTATIONS.items()
            if "*" in pattern and fnmatch.fnmatch(key, pattern)
        ),
        None,
    )


def main_pages(world: World) -> dict[str, list[tuple[str, str]]]:
    """{role: [(route name, path)]}: every full HTML page of the table, with who sees it."""
    clients = {}
    for role in ("coordinator", "admin"):
        client = Client()
        client.force_login(world.member(role))
        clients[role] = client
    pages: dict[str, list[tuple[str, str]]] = {"coordinator": [], "admin": []}
    for key, _pattern, named, pattern_object in url_routes():
        expect = _expectation(key)
        if not named or expect is None or expect.method != "GET":
            continue
        if key.startswith(SKIPPED_PREFIXES):
            continue
        seen_by = [r for r in ("coordinator", "admin") if 200 in expect.for_role(r)]
        if not seen_by:
            continue
        path = reverse(key, kwargs=expect.resolved_kwargs(world, pattern_object))
        response: Any = clients[seen_by[0]].get(path)
        content_type = response.get("Content-Type", "")
        if response.status_code != 200 or not content_type.startswith("text/html"):
            continue
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if b"<html" not in body[:500].lower():
            continue  # an htmx fragment: swept inside its page
        pages[seen_by[0]].append((key, path))
    return pages


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locale", ["en-GB", "fr-FR"])
def test_every_main_page_is_clean_in_a_browser(browser, live_server, settings, locale):
    settings.RATE_LIMITS = policy("bench")
    world = build_world()
    pages = main_pages(world)
    assert len(pages["coordinator"]) > 40, pages
    assert pages["admin"], pages
    failures: dict[str, Any] = {}
    swept = 0
    for role, listed in pages.items():
        member = world.member(role)
        member.set_password(PASSWORD)
        member.save(update_fields=["password"])
        context, page = signed_in_page(browser, live_server, member.email, locale)
        try:
            for key, path in listed:
                page.csp_violations.clear()
                page.errors.clear()
                response = page.page.goto(live_server.url + path)
                status = response.status if response is not None else None
                problems: dict[str, Any] = {}
                if status != 200:
                    problems["status"] = status
                if page.csp_violations:
                    problems["csp"] = list(page.csp_violations)
                if page.errors:
                    problems["errors"] = list(page.errors)
                violations = page.axe_violations()
                if violations:
                    problems["axe"] = [
                        {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:3]}
                        for v in violations
                    ]
                if locale == "fr-FR":
                    lang = page.page.evaluate("document.documentElement.lang")
                    if not str(lang).startswith("fr"):
                        problems["lang"] = lang
                if problems:
                    failures[f"{key} ({path}) as {role}"] = problems
                swept += 1
        finally:
            context.close()
    assert failures == {}, json.dumps(failures, indent=1, ensure_ascii=False)
    assert swept == len(pages["coordinator"]) + len(pages["admin"])
