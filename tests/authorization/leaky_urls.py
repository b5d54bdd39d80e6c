"""The project's routes plus one that forgets to ask the permission framework."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns
from guilde.communities.models import Community


def leaky(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_object_or_404(Community, slug=slug)  # no viewer, no rule: a leak
    return HttpResponse(community.charter)


urlpatterns = [path("leaky/<slug:slug>/", leaky, name="leaky"), *project_urlpatterns]
handler404 = "guilde.core.views.page_not_found"
