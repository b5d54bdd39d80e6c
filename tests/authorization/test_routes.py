"""Route-wide authorization: every route and API operation, as every role, against the table."""

from __future__ import annotations

import pytest

from guilde.core.ratelimits import policy
from tests.authorization.expectations import EXPECTATIONS
from tests.authorization.routes import Expect, check_routes
from tests.authorization.world import World, build_world

API_PAGES = {"api:openapi-json", "api:openapi-view", "api:api-root"}


def skip_api_operation_names(key: str, pattern: str) -> bool:
    """API operations are checked from the OpenAPI schema, under their method and path."""
    return key.startswith("api:") and key not in API_PAGES


@pytest.fixture
def world(db, settings) -> World:
    settings.RATE_LIMITS = policy("bench")
    return build_world()


@pytest.mark.django_db
def test_every_route_answers_each_role_as_the_table_says(world):
    assert check_routes(world, EXPECTATIONS, skip=skip_api_operation_names) == []


@pytest.mark.django_db
def test_a_route_without_an_expectation_fails(world):
    incomplete = {
        key: expect for key, expect in EXPECTATIONS.items() if key != "communities:members"
    }
    failures = check_routes(world, incomplete, skip=skip_api_operation_names)
    assert failures == ["communities:members: no expectation in the table"]


@pytest.mark.django_db
@pytest.mark.urls("tests.authorization.leaky_urls")
def test_a_leaky_route_is_caught(world):
    """A view that forgets the permission check shows a private community to outsiders."""
    table = {
        **EXPECTATIONS,
        "leaky": Expect(
            (404, 404, 404, 200, 200, 200, 200),
            kwargs={"slug": "private"},
            never_shows=("private charter of the private community",),
        ),
    }
    failures = check_routes(
        world, table, urlconf="tests.authorization.leaky_urls", skip=skip_api_operation_names
    )
    leaks = [failure for failure in failures if failure.startswith("leaky")]
    assert "leaky as anonymous: 200, expected 404 (GET /leaky/private/)" in leaks
    assert "leaky as outsider: shows 'private charter of the private community'" in leaks


def test_the_table_has_no_line_for_a_route_that_is_gone():
    from tests.authorization.routes import api_operations, url_routes

    keys = {key for key, *_rest in url_routes()} | {key for key, *_rest in api_operations()}
    stale = sorted(key for key in EXPECTATIONS if "*" not in key and key not in keys)
    assert stale == []
