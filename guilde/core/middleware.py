"""Middleware of the plumbing."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

DEFAULT_RETRY_AFTER = "60"


class RetryAfterMiddleware:
    """Every 429 says when to come back, even when the code that refused did not say.

    Guilde's own limits set ``Retry-After`` from their window; allauth's do not, so they
    get the length of the shortest window of the policy (a minute).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 429 and "Retry-After" not in response:
            response["Retry-After"] = DEFAULT_RETRY_AFTER
        return response
