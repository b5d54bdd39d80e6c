"""Related threads, articles and events beside a thread, an article or an event (an htmx
fragment)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from guilde.core.decorators import rate_limited
from guilde.search.models import SearchDocument
from guilde.search.selectors import permission_q
from guilde.semantic import selectors
from guilde.semantic.vectors import KINDS


def visible(viewer: object, kind: str, key: str) -> bool:
    """Whether ``viewer`` may find the thread, article or event (kind, key)."""
    return (
        kind in KINDS
        and key.isdigit()
        and SearchDocument.objects.filter(permission_q(viewer), kind=kind, object_key=key).exists()
    )


@require_GET
@rate_limited("search", methods=("GET",))
def related(request: HttpRequest) -> HttpResponse:
    kind, key = request.GET.get("kind", ""), request.GET.get("key", "")[:20]
    if not visible(request.user, kind, key):
        raise Http404
    found = selectors.related(viewer=request.user, kind=kind, key=key)
    return render(request, "semantic/_related.html", {"related": found})
