"""Liveness, readiness and error pages."""

from __future__ import annotations

import logging
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django_tasks_db.models import DBTaskResult

from guilde.core.scheduling import worker_alive

logger = logging.getLogger(__name__)


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """``/favicon.ico`` for browsers that ask for it: the SVG icon's static address, read
    when asked (at import time it would need the collected static files' manifest before
    ``guilde migrate`` could even start)."""
    from django.templatetags.static import static

    return HttpResponsePermanentRedirect(static("guilde/favicon.svg"))


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and answers; nothing else is checked."""
    return JsonResponse({"status": "ok"})


def _check_database() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return bool(cursor.fetchone() == (1,))


def _check_cache() -> bool:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    ok = bool(cache.get(key) == "1")
    cache.delete(key)
    return ok


def _check_task_queue() -> bool:
    DBTaskResult.objects.ready().exists()
    return True


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready to serve: database, cache and task queue reachable, a worker alive."""
    checks: dict[str, bool] = {}
    for name, check in (
        ("database", _check_database),
        ("cache", _check_cache),
        ("task_queue", _check_task_queue),
        ("worker", worker_alive),
    ):
        try:
            checks[name] = bool(check())
        except Exception:
            logger.exception("readiness check %s failed", name)
            checks[name] = False
    ready = all(checks.values())
    return JsonResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status=200 if ready else 503,
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/404.html", status=404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/403.html", status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "core/500.html", status=500)
