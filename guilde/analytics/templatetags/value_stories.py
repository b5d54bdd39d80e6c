"""``{% story_prompt %}``: the member's oldest value-creation prompt due, one line under
the messages of every page (one query; a second, once, to note it was shown).
``{% story_author story %}``: the author's name where they agreed to be named."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from guilde.analytics import story_selectors, story_services
from guilde.analytics.models import Story

register = template.Library()


@register.inclusion_tag("analytics/stories/_prompt.html", takes_context=True)
def story_prompt(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    viewer = getattr(request, "user", None)
    prompt = story_selectors.prompt_due(viewer=viewer)
    if prompt is None:
        return {"prompt": None}
    story_services.prompt_shown(prompt)
    query = {"prompt": prompt.pk, **story_selectors.prompt_link(prompt)}
    return {
        "prompt": prompt,
        "question": story_selectors.prompt_question(prompt),
        "tell_url": reverse("analytics:story_create", args=[prompt.community.slug])
        + "?"
        + urlencode(query),
        "next": request.get_full_path() if request is not None else "/",
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag(takes_context=True)
def story_author(context: template.Context, story: Story) -> str:
    request = context.get("request")
    return story_selectors.author_label(story, getattr(request, "user", None))
