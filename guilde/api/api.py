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
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import translation
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.openapi.docs import Swagger
from ninja.pagination import CursorPagination
from ninja.throttling import BaseThrottle

import guilde
from guilde.api.auth import public_auth
from guilde.api.problems import PROBLEM_CONTENT_TYPE, problem_response
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


def _refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    """A service's refusal that no handler turned into an error of its own: the input is
    at fault (422, its messages), never the server."""
    return problem_response(request, 422, detail="; ".join(exc.messages))


def _unreadable(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    return problem_response(request, 400, detail=f"The request's body cannot be read: {exc}")


def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unhandled error in %s %s", request.method, request.path, exc_info=exc)
    return problem_response(request, 500, detail="An unexpected error happened; it was logged.")


def _handler[E: Exception](
    func: Callable[[HttpRequest, E], HttpResponse],
) -> Callable[[HttpRequest, E | type[E]], HttpResponse]:
    """Ninja's annotation admits the exception class too; it only ever passes instances."""
    return cast(Callable[[HttpRequest, E | type[E]], HttpResponse], func)


PROBLEM_SCHEMA = {
    "title": "Problem",
    "description": "An error, as RFC 9457 problem details (`application/problem+json`).",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "description": "`about:blank`: the status says it all."},
        "title": {"type": "string", "description": "The status's reason phrase."},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What went wrong, for people."},
        "instance": {"type": "string", "description": "The path requested."},
        "errors": {
            "type": "array",
            "description": "422 from validation: each field at fault.",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
        "retry_after": {"type": "integer", "description": "429: seconds to wait."},
    },
}
# The errors every operation may answer, documented once for all (an operation's own
# declaration of a status wins).
PROBLEMS = {
    400: "The request's body cannot be read.",
    401: "Not signed in, or the token is unknown, expired or revoked.",
    403: "Signed in, but not allowed (a read-only token writing, a role missing...).",
    404: "Nothing is here, or you may not see it (private things answer 404).",
    422: "The input is invalid, or the action is refused as it stands; `detail` and "
    "`errors` say why.",
    429: "Too many requests: wait `Retry-After` seconds (the instance's rate-limit policy).",
}


class GuildeAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """Ninja's schema, with the problem responses every operation may give."""
        schema = super().get_openapi_schema(**kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        problem = {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, description in PROBLEMS.items():
                    if status == 401 and not operation.get("security"):
                        continue
                    answer: dict[str, Any] = {"description": description, "content": problem}
                    if status == 429:
                        answer["headers"] = {
                            "Retry-After": {
                                "description": "Seconds to wait before trying again.",
                                "schema": {"type": "integer"},
                            }
                        }
                    if status not in responses and str(status) not in responses:
                        responses[status] = answer
        return schema


def build_api(**options: Any) -> NinjaAPI:
    """A NinjaAPI with Guilde's error format and rate limits (tests build their own)."""
    new_api = GuildeAPI(throttle=[PolicyThrottle()], **options)
    new_api.add_exception_handler(ValidationError, _handler(_validation_error))
    new_api.add_exception_handler(HttpError, _handler(_http_error))
    new_api.add_exception_handler(Http404, _handler(_not_found))
    new_api.add_exception_handler(ObjectDoesNotExist, _handler(_not_found))
    new_api.add_exception_handler(PermissionDenied, _handler(_permission_denied))
    new_api.add_exception_handler(DjangoValidationError, _handler(_refused))
    new_api.add_exception_handler(MultiPartParserError, _handler(_unreadable))
    new_api.add_exception_handler(Exception, _handler(_unexpected))
    return new_api


api = build_api(
    title="Guilde API",
    version="1",
    description=(
        "The API of a Guilde instance. Authenticate with a personal access token "
        "(`Authorization: Bearer ...`) or, from the browser, with the session and the "
        "CSRF token (header `X-CSRFToken`) on writes. A token's scope is `read` or "
        "`write`.\n\n"
        "**Errors** are RFC 9457 problem details (`application/problem+json`, the `Problem` "
        "schema): `status`, `title`, `detail` for people, `errors` listing each invalid "
        "field on a 422. Private things answer 404, as if they did not exist.\n\n"
        "**Pagination**: lists are paginated with opaque cursors: `page_size` (1–100, "
        "default 20) and `cursor` from a page's `next` or `previous` link; `null` at the "
        "ends.\n\n"
        "**Rate limits**: reads and writes are counted per member and per address over a "
        "minute (by default 600 reads and 120 writes a minute per member; 120 and 30 per "
        "address without a session or token). Over the limit the answer is 429 with "
        "`Retry-After` (seconds) and `retry_after` in the problem. docs/api.md walks "
        "through a session with curl."
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
api.add_router("/", "guilde.webhooks.api.router")


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
