"""Every error under /api/ leaves as problem details, whoever produced it.

The API's own exception handlers already answer in that format; this catches the rest:
unknown paths (Django's 404), methods an operation does not allow (405), CSRF failures
(403) and errors raised outside an operation (500).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from guilde.api.problems import PROBLEM_CONTENT_TYPE, problem_response

API_PREFIX = "/api/"


class ProblemDetailsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith(PROBLEM_CONTENT_TYPE)
        ):
            keep = {
                name: response[name]
                for name in ("Allow", "Retry-After", "WWW-Authenticate")
                if name in response
            }
            return problem_response(request, response.status_code, headers=keep)
        return response
