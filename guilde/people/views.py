"""Who knows about …: the members who know most about what a question names."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from guilde.core.decorators import rate_limited
from guilde.people import selectors
from guilde.people.reasons import reason


@require_GET
@rate_limited("search", methods=("GET",))
def who_knows(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "")[:300]
    slug = request.GET.get("community", "")[:60]
    tags, found = selectors.who_knows(viewer=request.user, text=text, community=slug)
    context = {
        "q": text,
        "community_slug": slug,
        "tags": tags,
        "found": [(knower, reason(knower)) for knower in found],
    }
    return render(request, "people/who_knows.html", context)
