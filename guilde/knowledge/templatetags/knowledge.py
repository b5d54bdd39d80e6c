"""``{% captured_in thread %}``: on a thread, the articles captured from it (and the way to
capture it)."""

from __future__ import annotations

from typing import Any

from django import template

from guilde.communities.models import Community
from guilde.core.permissions import can
from guilde.discussions.models import Thread
from guilde.knowledge import selectors

register = template.Library()


@register.inclusion_tag("knowledge/_captured_in.html", takes_context=True)
def captured_in(context: template.Context, thread: Thread) -> dict[str, Any]:
    request = context["request"]
    articles = selectors.captured_from(viewer=request.user, thread=thread)
    return {
        "request": request,
        "thread": thread,
        "community": thread.community,
        "articles": articles,
        "reportable": [a for a in articles if can(request.user, "report", a)],
        "can_capture": can(request.user, "write_article", thread.community),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("knowledge/_paths.html", takes_context=True)
def learning_paths(context: template.Context, community: Community) -> dict[str, Any]:
    """The community's learning paths, with the viewer's progress (its home page lists them)."""
    request = context["request"]
    return {
        "paths": selectors.paths_of(viewer=request.user, community=community),
        "user": request.user,
    }
