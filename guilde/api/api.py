"""The API at /api/v1/: one NinjaAPI that mounts each domain app's router.

Errors are RFC 9457 problem details; lists use cursor pagination; every operation is
rate limited by the policy in :mod:`guilde.core.ratelimits`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.openapi.docs import Swagger
from ninja.pagination import CursorPagination
from ninja.throttling import BaseThrottle

import guilde
from guilde.api.auth import public_auth
from guilde.api.problems import problem_response
from guilde.core import ratelimits

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class PolicyThrottle(BaseThrottle):
    """Reads count as ``api_read``, writes as ``api_write`` (see the rate-limit policy)."""

    def __init__(self) -> None:
        self._retry_after: int | None = None

    def allow_request(self, request: HttpRequest) -> bool:
        action = "api_read" if request.method in SAFE_METHODS else "api_write"
        verdict = ratelimits.consume(request, action)
        self._retry_after = verdict.retry_after
        return verdict.allowed

    def wait(self) -> float | None:
        return float(self._retry_after) if self._retry_after else None


class Pagination(CursorPagination):
    """Opaque cursors over a stable ordering; ``page_size`` up to 100 (default 20)."""

    def __init__(self, *, ordering: tuple[str, ...] = ("-pk",), **kwargs: Any) -> None:
        super().__init__(ordering=ordering, page_size=20, max_page_size=100, **kwargs)


def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {
            "loc": [str(part) for part in error.get("loc", [])],
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in exc.errors
    ]
    return problem_response(
        request, 422, detail="The request does not have the expected form.", errors=errors
    )


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    headers = {}
    if isinstance(exc, AuthenticationError):
        headers["WWW-Authenticate"] = 'Bearer realm="guilde"'
    extensions: dict[str, Any] = {}
    if isinstance(exc, Throttled) and exc.wait:
        extensions["retry_after"] = int(exc.wait)
    return problem_response(
        request, exc.status_code, detail=str(exc), headers=headers, **extensions
    )


def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(request, 404, detail="Nothing is here, or you may not see it.")


def _permission_denied(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(request, 403, detail=str(exc) or "You may not do this.")


def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unhandled error in %s %s", request.method, request.path, exc_info=exc)
    return problem_response(request, 500, detail="An unexpected error happened; it was logged.")


def _handler[E: Exception](
    func: Callable[[HttpRequest, E], HttpResponse],
) -> Callable[[HttpRequest, E | type[E]], HttpResponse]:
    """Ninja's annotation admits the exception class too; it only ever passes instances."""
    return cast(Callable[[HttpRequest, E | type[E]], HttpResponse], func)


def build_api(**options: Any) -> NinjaAPI:
    """A NinjaAPI with Guilde's error format and rate limits (tests build their own)."""
    new_api = NinjaAPI(throttle=[PolicyThrottle()], **options)
    new_api.add_exception_handler(ValidationError, _handler(_validation_error))
    new_api.add_exception_handler(HttpError, _handler(_http_error))
    new_api.add_exception_handler(Http404, _handler(_not_found))
    new_api.add_exception_handler(ObjectDoesNotExist, _handler(_not_found))
    new_api.add_exception_handler(PermissionDenied, _handler(_permission_denied))
    new_api.add_exception_handler(Exception, _handler(_unexpected))
    return new_api


api = build_api(
    title="Guilde API",
    version="1",
    description=(
        "The API of a Guilde instance. Authenticate with a personal access token "
        "(`Authorization: Bearer ...`) or, from the browser, with the session and the "
        "CSRF token. Errors are RFC 9457 problem details (`application/problem+json`). "
        "Lists are paginated with opaque cursors (`next` / `previous`)."
    ),
    urls_namespace="api",
    docs=Swagger(settings={"persistAuthorization": False}),
    docs_url="/docs",
)


api.add_router("/", "guilde.accounts.api.router")
api.add_router("/", "guilde.communities.api.router")
api.add_router("/", "guilde.discussions.api.router")
api.add_router("/", "guilde.conversations.api.router")
api.add_router("/", "guilde.notifications.api.router")
api.add_router("/", "guilde.moderation.api.router")
api.add_router("/", "guilde.knowledge.api.router")
api.add_router("/", "guilde.search.api.router")
api.add_router("/", "guilde.semantic.api.router")
api.add_router("/", "guilde.people.api.router")
api.add_router("/", "guilde.events.api.router")
api.add_router("/", "guilde.onboarding.api.router")
api.add_router("/", "guilde.mentoring.api.router")
api.add_router("/", "guilde.analytics.api.router")
api.add_router("/", "guilde.analytics.story_api.router")


class InstanceOut(Schema):
    name: str
    version: str
    api_version: str
    languages: list[str]
    language: str


@api.get("/instance", response=InstanceOut, auth=public_auth, tags=["instance"])
def instance(request: HttpRequest) -> dict[str, Any]:
    """What this instance is: software version and interface languages."""
    return {
        "name": "Guilde",
        "version": guilde.__version__,
        "api_version": api.version,
        "languages": [code for code, _name in settings.LANGUAGES],
        "language": translation.get_language() or settings.LANGUAGE_CODE,
    }
