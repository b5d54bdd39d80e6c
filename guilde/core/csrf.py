"""One masked CSRF token per request.

Django masks the CSRF secret afresh each time ``get_token`` is called (32 random characters
drawn one by one from the operating system), and its built-in context processor calls it once
for every template rendered with the request: a page made of cached fragments paid for it
several times. :func:`token` masks once per request and keeps the result on it; the context
processor :func:`csrf` (listed after Django's, so its ``csrf_token`` wins) hands that to every
template. One mask per response is what Django's own single-template pages send anyway.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils.functional import SimpleLazyObject

_ATTRIBUTE = "_guilde_csrf_token"


def token(request: HttpRequest) -> str:
    """The request's masked CSRF token (setting the cookie if it has none yet)."""
    # Kept with the secret it masks: a secret rotated later in the request (signing in)
    # gets a new token.
    secret, masked = getattr(request, _ATTRIBUTE, (None, ""))
    if secret is None or secret != request.META.get("CSRF_COOKIE"):
        masked = get_token(request)
        setattr(request, _ATTRIBUTE, (request.META.get("CSRF_COOKIE"), masked))
    return masked


def csrf(request: HttpRequest) -> dict[str, object]:
    return {"csrf_token": SimpleLazyObject(lambda: token(request))}
