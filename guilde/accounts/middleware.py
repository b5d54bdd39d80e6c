"""A member's chosen language wins over the browser's."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.functional import SimpleLazyObject


class MemberLanguageMiddleware:
    """Activate the signed-in member's language setting (after LocaleMiddleware), and put
    the resolved member (or anonymous user) on the request in place of the lazy wrapper.

    Anonymous visitors keep what LocaleMiddleware chose: the language cookie set by the
    switcher, else the browser's ``Accept-Language``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if isinstance(user, SimpleLazyObject):
            # Resolved here anyway: hand views the member itself, not the lazy wrapper that
            # every attribute read (hundreds per page in permission checks) goes through.
            user.is_authenticated  # noqa: B018  (resolves it)
            request.user = user._wrapped
            user = request.user
        language = getattr(user, "language", "") if user is not None else ""
        if user is not None and user.is_authenticated and language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
