"""Middleware of the plumbing."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from guilde.core.logs import bind_request_id, unbind_request_id

access = logging.getLogger("guilde.access")
# What a proxy's request id looks like (a UUID, a hex or base64url string): anything else
# is replaced, so that nothing a client sends can forge a log line.
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")

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


class RequestIdMiddleware:
    """Every request gets an id (the proxy's ``X-Request-ID``, or a new one), answered in
    ``X-Request-ID``, carried by every log record written meanwhile, and one access line
    (guilde/core/logs.py). First in the chain: its duration is the whole request's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        offered = request.headers.get("X-Request-ID", "")
        request_id = offered if REQUEST_ID.match(offered) else uuid.uuid4().hex
        token = bind_request_id(request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            user = getattr(request, "user", None)
            milliseconds = round((time.monotonic() - started) * 1000, 1)
            access.info(
                "%s %s %s %.1f ms",
                request.method,
                request.path,
                response.status_code,
                milliseconds,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": milliseconds,
                    "member": user.pk if user is not None and user.is_authenticated else None,
                },
            )
            return response
        finally:
            unbind_request_id(token)
