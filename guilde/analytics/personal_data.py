"""What analytics holds about members (see guilde.accounts.rights): aggregates, and the
value-creation stories members tell and the prompts that ask for them."""

from __future__ import annotations

from typing import Any

from guilde.accounts.models import User
from guilde.accounts.rights import (
    DeletionContext,
    Handling,
    classify,
    exporter,
    on_account_deletion,
)

classify(
    "analytics.Snapshot",
    Handling.NONE,
    "counts and measures of a community; the only member ids in them are brokers of the "
    "interaction network who agreed to be named (checked again when read)",
)


# Value-creation stories --------------------------------------------------------------------

classify(
    "analytics.Story",
    Handling.CONTRIBUTION,
    'value-creation stories the member told a community: kept under "deleted member" or '
    "erased, as the member chooses",
    export_part="value_creation_stories",
    owner_field="author",
)
classify(
    "analytics.StoryPrompt",
    Handling.OWNED,
    "the questions asked of the member 30 days after an accepted answer, an attended event "
    "or a finished mentoring relationship, and whether they answered or dismissed them",
    export_part="value_creation_prompts",
)


@on_account_deletion(order=78)
def forget_stories(context: DeletionContext) -> None:
    from guilde.analytics.models import Story, StoryPrompt

    StoryPrompt.objects.filter(member=context.member).delete()
    if not context.keep_contributions:
        Story.objects.filter(author=context.member).delete()


@exporter("value_creation_stories")
def export_stories(member: User) -> list[dict[str, Any]]:
    from guilde.analytics.models import Story

    return [
        {
            "id": story.pk,
            "community": story.community.slug,
            "title": story.title,
            "text": story.text,
            "cycle": story.cycle,
            "effect_kind": story.effect_kind,
            "effect_value": str(story.effect_value) if story.effect_value is not None else None,
            "effect_unit": story.effect_unit,
            "thread": story.thread_id,
            "article": story.article_id,
            "event": story.event_id,
            "relationship": story.relationship_id,
            "created_at": story.created_at.isoformat(),
            "updated_at": story.updated_at.isoformat(),
        }
        for story in Story.objects.filter(author=member).select_related("community")
    ]


@exporter("value_creation_prompts")
def export_prompts(member: User) -> list[dict[str, Any]]:
    from guilde.analytics.models import StoryPrompt

    def when(value: Any) -> str | None:
        return value.isoformat() if value else None

    return [
        {
            "id": prompt.pk,
            "community": prompt.community.slug,
            "kind": prompt.kind,
            "object": prompt.object_key,
            "due_at": when(prompt.due_at),
            "shown_at": when(prompt.shown_at),
            "answered_at": when(prompt.answered_at),
            "answered_story": prompt.answered_story_id,
            "dismissed_at": when(prompt.dismissed_at),
        }
        for prompt in StoryPrompt.objects.filter(member=member).select_related("community")
    ]
