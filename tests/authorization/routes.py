"""Enumerate every route and API operation; request each as each role; compare by hand.

:func:`check_routes` finds every URL pattern of a URL configuration and every operation of
the OpenAPI schema, looks up its hand-written :class:`Expect` entry, sends the request as
each role (inside a transaction rolled back afterwards, so that writes leave no trace),
and reports each difference. A route or operation without an entry is a failure.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.authorization.world import ROLES, World

Status = int | frozenset[int]
SAMPLE = "sample"  # fill the route's parameters with plausible values (for admin routes)


@dataclass(frozen=True)
class Expect:
    """What each role gets: one status (or a set of them) per role, in the order of ``ROLES``."""

    statuses: tuple[Status, ...]
    method: str = "GET"
    kwargs: dict[str, Any] | Callable[[World], dict[str, Any]] | str = field(default_factory=dict)
    data: dict[str, Any] | Callable[[World], dict[str, Any]] | None = None
    # Text that must not appear in any response (private content of the target objects).
    never_shows: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if len(self.statuses) != len(ROLES):
            raise ValueError(f"one status per role ({len(ROLES)}), not {len(self.statuses)}")

    def for_role(self, role: str) -> frozenset[int]:
        status = self.statuses[ROLES.index(role)]
        return status if isinstance(status, frozenset) else frozenset({status})

    def resolved_kwargs(self, world: World, pattern: Any) -> dict[str, Any]:
        if self.kwargs == SAMPLE:
            return sample_kwargs(pattern)
        if callable(self.kwargs):
            return self.kwargs(world)
        assert isinstance(self.kwargs, dict)
        return dict(self.kwargs)


def sample_kwargs(pattern: Any) -> dict[str, Any]:
    """Plausible values for a route's parameters: 1 for numbers, the first alternative of a
    regular expression's choice, "1" otherwise."""
    values: dict[str, Any] = {}
    converters = getattr(pattern, "converters", {})
    for name, converter in converters.items():
        values[name] = 1 if type(converter).__name__ == "IntConverter" else "1"
    regex = getattr(pattern, "_regex", None) or ""
    for name, body in re.findall(r"\(\?P<(\w+)>([^)]*)\)", str(regex)):
        values.setdefault(name, body.split("|")[0].lstrip("(^") if "|" in body else "1")
    return values


def all_pages(status: int) -> tuple[int, ...]:
    return (status,) * len(ROLES)


def signed_in(anonymous: int, others: int) -> tuple[int, ...]:
    return (anonymous, *([others] * (len(ROLES) - 1)))


def url_routes(urlconf: str | None = None) -> Iterator[tuple[str, str, bool, Any]]:
    """(key, pattern, named, pattern object) for every URL pattern; the key is its name."""

    def walk(
        patterns: list[Any], prefix: str, namespace: str
    ) -> Iterator[tuple[str, str, bool, Any]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                full = prefix + str(pattern.pattern)
                name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
                yield (name or full), full, bool(name), pattern.pattern

    yield from walk(get_resolver(urlconf).url_patterns, "", "")


def api_operations() -> Iterator[tuple[str, str, str]]:
    """(key, method, path) of every operation of the API's schema."""
    from guilde.api.api import api

    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        for method in operations:
            yield f"{method.upper()} {path}", method.upper(), path


def _request(client: Client, method: str, url: str, data: dict[str, Any] | None, json: bool) -> Any:
    if method == "GET":
        return client.get(url, data or {})
    sender = getattr(client, method.lower())
    if json:
        return sender(url, data or {}, content_type="application/json")
    return sender(url, data or {})


def check_routes(
    world: World,
    expectations: dict[str, Expect],
    *,
    urlconf: str | None = None,
    skip: Callable[[str, str], bool] = lambda key, pattern: False,
) -> list[str]:
    """Every difference between what the routes do and what the table says."""
    failures: list[str] = []
    # (key, route pattern or API path, named route, API operation)
    targets: list[tuple[str, str, bool, bool, Any]] = []
    for key, pattern, named, pattern_object in url_routes(urlconf):
        if not skip(key, pattern):
            targets.append((key, pattern, named, False, pattern_object))
    for key, _method, path in api_operations():
        targets.append((key, path, True, True, None))

    clients = {role: Client() for role in ROLES}
    for role, client in clients.items():
        if (person := world.person(role)) is not None:
            client.force_login(person)

    for key, template, named, is_api, pattern_object in targets:
        expect = expectations.get(key) or next(
            (
                e
                for pattern, e in expectations.items()
                if "*" in pattern and fnmatch.fnmatch(key, pattern)
            ),
            None,
        )
        if expect is None:
            failures.append(f"{key}: no expectation in the table")
            continue
        kwargs = expect.resolved_kwargs(world, pattern_object)
        data = expect.data(world) if callable(expect.data) else expect.data
        if is_api:
            method = key.split(" ", 1)[0]
            url = template.format(**kwargs)
        else:
            method = expect.method
            url = reverse(key, urlconf=urlconf, kwargs=kwargs) if named else "/" + template
        for role in ROLES:
            with transaction.atomic():
                response = _request(clients[role], method, url, data, json=is_api)
                transaction.set_rollback(True)
            expected = expect.for_role(role)
            if response.status_code not in expected:
                wanted = " or ".join(str(code) for code in sorted(expected))
                failures.append(
                    f"{key} as {role}: {response.status_code}, expected {wanted} ({method} {url})"
                )
            body = b"".join(response.streaming_content) if response.streaming else response.content
            for secret in expect.never_shows:
                if secret.encode() in body:
                    failures.append(f"{key} as {role}: shows {secret!r}")
    return failures
