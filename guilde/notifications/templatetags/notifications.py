"""``{% subscription_form target %}``: the watch / track / mute control of a page."""

from __future__ import annotations

from typing import Any

from django import template

from guilde.accounts.models import User
from guilde.communities.models import Community, Tag
from guilde.discussions.models import Thread
from guilde.notifications.models import Subscription

register = template.Library()


@register.inclusion_tag("notifications/_subscription.html", takes_context=True)
def subscription_form(
    context: template.Context, target: Thread | Community | Tag
) -> dict[str, Any]:
    request = context["request"]
    target_type = (
        "thread"
        if isinstance(target, Thread)
        else "community"
        if isinstance(target, Community)
        else "tag"
    )
    level = ""
    if isinstance(request.user, User):
        found = (
            Subscription.objects.filter(member=request.user, **{target_type: target})
            .values_list("level", flat=True)
            .first()
        )
        level = str(found or "")
    return {
        "request": request,
        "target_type": target_type,
        "target_id": target.pk,
        "level": level,
        "csrf_token": context.get("csrf_token"),
    }
