"""The authorization matrix: role × kind of community × action, asserted three ways.

Every cell is checked in the policy, through a page and through the API. The table below
is written by hand and never regenerated from what the code does.
"""

from __future__ import annotations

import pytest
from django.test import Client

from guilde.core.permissions import can
from guilde.core.ratelimits import policy
from tests.authorization.world import KINDS, ROLES, World, build_world

EVERYONE = frozenset(ROLES)
MEMBERS = frozenset({"member", "moderator", "coordinator"})
MODERATORS = frozenset({"moderator", "coordinator", "admin"})
MANAGERS = frozenset({"coordinator", "admin"})
READERS = MEMBERS | {"admin"}
NOBODY: frozenset[str] = frozenset()

# (kind of community, action) -> the roles allowed.
MATRIX: dict[tuple[str, str], frozenset[str]] = {
    ("public", "view"): EVERYONE,
    ("public", "post"): MEMBERS,
    ("public", "moderate"): MODERATORS,
    ("public", "manage"): MANAGERS,
    ("private", "view"): READERS,
    ("private", "post"): MEMBERS,
    ("private", "moderate"): MODERATORS,
    ("private", "manage"): MANAGERS,
    ("hidden", "view"): READERS,
    ("hidden", "post"): MEMBERS,
    ("hidden", "moderate"): MODERATORS,
    ("hidden", "manage"): MANAGERS,
    ("approval", "view"): EVERYONE,
    ("approval", "post"): MEMBERS,
    ("approval", "moderate"): MODERATORS,
    ("approval", "manage"): MANAGERS,
    ("archived", "view"): EVERYONE,
    ("archived", "post"): NOBODY,
    ("archived", "moderate"): NOBODY,
    ("archived", "manage"): NOBODY,
}
# Who may know a community exists (its home page, its entry in the directory).
DISCOVER: dict[str, frozenset[str]] = {
    "public": EVERYONE,
    "private": EVERYONE,
    "hidden": READERS | {"pending"},
    "approval": EVERYONE,
    "archived": EVERYONE,
}
ACTIONS = ("view", "post", "moderate", "manage")


def test_the_matrix_covers_every_cell():
    assert set(MATRIX) == {(kind, action) for kind in KINDS for action in ACTIONS}


@pytest.fixture
def world(db, settings) -> World:
    settings.RATE_LIMITS = policy("bench")
    return build_world()


def _client(world: World, role: str) -> Client:
    client = Client()
    if (person := world.person(role)) is not None:
        client.force_login(person)
    return client


def _refusal(kind: str, role: str) -> int:
    """Private things do not exist for those who may not read them; others are forbidden."""
    return 403 if role in MATRIX[(kind, "view")] else 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_cell_in_the_policy_the_pages_and_the_api(world, role):
    client = _client(world, role)
    person = world.person(role)
    viewer = person if person is not None else _anonymous()
    failures = []
    for kind in KINDS:
        community = world.communities[kind]
        slug = community.slug
        for action in ACTIONS:
            allowed = role in MATRIX[(kind, action)]
            community.refresh_from_db()
            community.__dict__.pop("_viewer_memberships", None)
            if can(viewer, action, community) != allowed:
                failures.append(f"policy {kind}/{action}: expected {allowed}")

        checks = {
            "page view": (client.get(f"/communities/{slug}/members/"), "view", None),
            "api view": (client.get(f"/api/v1/communities/{slug}/members"), "view", None),
            "page moderate": (client.get(f"/communities/{slug}/requests/"), "moderate", None),
            "api moderate": (client.get(f"/api/v1/communities/{slug}/requests"), "moderate", 401),
            "page manage": (client.get(f"/communities/{slug}/settings/"), "manage", 302),
            "page post": (client.get(f"/communities/{slug}/threads/new/"), "post", 302),
            "api post": (
                client.post(
                    f"/api/v1/communities/{slug}/threads",
                    {"title": "A thread", "body": "Some text"},
                    content_type="application/json",
                ),
                "post",
                401,
            ),
            "api manage": (
                client.patch(f"/api/v1/communities/{slug}", {}, content_type="application/json"),
                "manage",
                401,
            ),
        }
        for label, (response, action, anonymous_status) in checks.items():
            if role in MATRIX[(kind, action)]:
                expected = 201 if label == "api post" else 200
            elif role == "anonymous" and anonymous_status is not None:
                expected = anonymous_status
            else:
                expected = _refusal(kind, role)
            if response.status_code != expected:
                failures.append(f"{label} {kind}: {response.status_code}, expected {expected}")

        # The API also tells each reader what they may do there.
        detail = client.get(f"/api/v1/communities/{slug}")
        if role in DISCOVER[kind]:
            body = detail.json()
            for action in ACTIONS:
                if body["viewer"][f"can_{action}"] != (role in MATRIX[(kind, action)]):
                    failures.append(f"api can_{action} {kind}: {body['viewer'][f'can_{action}']}")
        elif detail.status_code != 404:
            failures.append(f"api detail {kind}: {detail.status_code}, expected 404")
        page = client.get(f"/communities/{slug}/")
        if page.status_code != (200 if role in DISCOVER[kind] else 404):
            failures.append(f"page detail {kind}: {page.status_code}")
    assert failures == []


def _anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


@pytest.mark.django_db
def test_the_directory_lists_only_what_each_role_may_discover(world):
    for role in ROLES:
        client = _client(world, role)
        listed = {
            c["slug"] for c in client.get("/api/v1/communities?page_size=100").json()["results"]
        }
        expected = {kind for kind in KINDS if role in DISCOVER[kind]}
        assert listed == expected, role
        page = client.get("/communities/").content.decode()
        for kind in KINDS:
            assert (f'href="/communities/{kind}/"' in page) is (role in DISCOVER[kind]), (
                role,
                kind,
            )
