"""Template context for every page: the bell's count, and whether mail reaches the member."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from guilde.accounts.models import User


def bell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return {}
    from guilde.notifications import selectors, services

    return {
        "bell_poll_seconds": settings.GUILDE_BELL_POLL_SECONDS,
        "notification_count": SimpleLazyObject(lambda: selectors.unread_count(user)),
        "mail_stopped": SimpleLazyObject(lambda: services.mail_stopped(user.email)),
    }
