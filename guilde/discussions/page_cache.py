"""Whole thread pages for visitors, rendered once and served again while nothing changed.

A visitor (not signed in, no session, no flash message) sees the same thread page as every
other visitor in their language. The page is kept in the ``fragments`` cache (per process,
in memory) under a key made of the thread's row — including ``content_version``, which
database triggers bump whenever its posts, their reactions and comments, its tags, its
links, the articles captured from it or its authors' names and pictures change (discussions
migration 0006) — the community's row, the page number and the language. Any change makes a
new key: a cached page is never stale, and what is hidden or deleted disappears at once.

The one per-visitor value in the page, the CSRF token of the language switcher, is cut out
before the page is kept and put back, fresh, for each visitor.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language

from guilde.core import csrf
from guilde.discussions.fragments import with_token, without_token

# Bump when the thread page's templates change what they show.
TEMPLATE_VERSION = "1"
TIMEOUT = 3600


def _row(instance: Model) -> tuple[Any, ...]:
    deferred = instance.get_deferred_fields()
    return tuple(
        getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.attname not in deferred
    )


def key_for(request: HttpRequest, *, community: Model, thread: Model) -> str | None:
    """The cache key of this visitor's page, or None if the page is not for caching."""
    if request.user.is_authenticated or request.method != "GET":
        return None
    if request.headers.get("HX-Request") or set(request.GET) - {"page"}:
        return None
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES:
        return None
    page = request.GET.get("page", "1")
    if not page.isdigit() or len(page) > 6:
        return None
    shown = (TEMPLATE_VERSION, get_language(), page, _row(thread), _row(community))
    digest = hashlib.sha256(repr(shown).encode()).hexdigest()
    return f"thread-page:{thread.pk}:{digest}"


def cached(request: HttpRequest, key: str) -> HttpResponse | None:
    html = caches["fragments"].get(key)
    if html is None:
        return None
    return HttpResponse(with_token(html, csrf.token(request)))


def keep(key: str, response: HttpResponse) -> None:
    if response.status_code != 200 or response.streaming:
        return
    html = without_token(response.content.decode())
    caches["fragments"].set(key, html, timeout=TIMEOUT)
