"""View decorators shared by every app."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from guilde.core import ratelimits

View = Callable[..., HttpResponse]


def rate_limited(
    action: str, *, methods: Iterable[str] = ("POST", "PUT", "PATCH", "DELETE")
) -> Callable[[View], View]:
    """Count requests of ``methods`` against ``action`` in the rate-limit policy.

    A refused request gets the 429 page with ``Retry-After``; nothing is done.
    """
    limited_methods = frozenset(methods)

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in limited_methods:
                verdict = ratelimits.consume(request, action)
                if not verdict.allowed:
                    response = render(
                        request, "429.html", {"retry_after": verdict.retry_after}, status=429
                    )
                    response["Retry-After"] = str(verdict.retry_after)
                    return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
