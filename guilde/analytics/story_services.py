"""Writes of value-creation stories and their prompts: a member's story (linked to at most
one thread, article, event or mentoring relationship of its community), its edits and
deletion; the prompts asked 30 days after an accepted answer, an attended event or a
finished mentoring relationship, dismissed in one click or answered by a story."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guilde.accounts.models import User
from guilde.analytics.models import Story, StoryPrompt
from guilde.analytics.story_selectors import first_row
from guilde.communities.models import Community
from guilde.core.markdown import render
from guilde.core.permissions import can, require

# How long after the moment a member is asked what it changed.
PROMPT_DELAY = timedelta(days=30)
# Moments older than the delay by more than this are not asked about: the daily job may
# miss a few days, but a new instance does not ask about its whole history.
PROMPT_WINDOW = timedelta(days=7)

LINKS = ("thread", "article", "event", "relationship")


@dataclass
class StoryInput:
    title: str
    text: str
    cycle: str
    effect_kind: str = ""
    effect_value: Decimal | None = None
    effect_unit: str = ""
    thread_id: int | None = None
    article_id: int | None = None
    event_id: int | None = None
    relationship_id: int | None = None


def _linked(actor: User, community: Community, data: StoryInput) -> dict[str, Any]:
    """The objects the story links to, checked: at most one, in the community, visible to
    the author (a relationship: the author is one of its pair)."""
    from guilde.discussions.models import Thread
    from guilde.events.models import Event
    from guilde.knowledge.models import Article
    from guilde.mentoring.models import Relationship

    asked = {name: getattr(data, f"{name}_id") for name in LINKS}
    given = {name: pk for name, pk in asked.items() if pk}
    found: dict[str, Any] = dict.fromkeys(LINKS)
    if len(given) > 1:
        raise ValidationError(_("Link the story to one thing at most."))
    for name, pk in given.items():
        obj: Any
        if name == "thread":
            obj = first_row(Thread.objects.filter(pk=pk, community=community))
        elif name == "article":
            obj = first_row(Article.objects.filter(pk=pk, community=community))
        elif name == "event":
            obj = first_row(Event.objects.filter(pk=pk, community=community))
        else:
            obj = first_row(Relationship.objects.filter(pk=pk, programme__community=community))
        if obj is not None and name != "relationship":
            obj.community = community
        visible = obj is not None and (
            obj.has_member(actor.pk) if name == "relationship" else can(actor, "view", obj)
        )
        if not visible:
            raise ValidationError({name: _("Nothing of that kind in this community for you.")})
        found[name] = obj
    return found


def _apply(story: Story, actor: User, data: StoryInput) -> None:
    story.title = data.title.strip()
    story.text = data.text
    story.cycle = data.cycle
    story.effect_kind = data.effect_kind or ""
    story.effect_value = data.effect_value
    story.effect_unit = (data.effect_unit or "").strip()
    if story.effect_value is not None and story.effect_value < 0:
        raise ValidationError({"effect_value": _("An effect is counted from zero up.")})
    if not story.effect_kind and story.effect_value is not None:
        raise ValidationError({"effect_kind": _("Say what the number measures.")})
    for name, obj in _linked(actor, story.community, data).items():
        setattr(story, name, obj)
    story.text_html = render(story.text).html
    story.full_clean(exclude=["community", "author", *LINKS])


@transaction.atomic
def story_create(
    *,
    actor: User,
    community: Community,
    data: StoryInput,
    prompt: StoryPrompt | None = None,
) -> Story:
    """A member's story; answering ``prompt`` (theirs, still open) closes it."""
    require(actor, "write_story", community)
    if prompt is not None:
        require(actor, "view", prompt)
        if prompt.community_id != community.pk:
            raise ValidationError(_("That prompt belongs to another community."))
    story = Story(community=community, author=actor)
    _apply(story, actor, data)
    story.save()
    if prompt is not None and prompt.is_open:
        prompt.answered_at = timezone.now()
        prompt.answered_story = story
        prompt.save(update_fields=["answered_at", "answered_story"])
    return story


@transaction.atomic
def story_update(*, actor: User, story: Story, data: StoryInput) -> Story:
    require(actor, "edit", story)
    _apply(story, actor, data)
    story.updated_at = timezone.now()
    story.save()
    return story


@transaction.atomic
def story_delete(*, actor: User, story: Story) -> None:
    require(actor, "edit", story)
    story.delete()


def prompt_dismiss(*, actor: User, prompt: StoryPrompt) -> StoryPrompt:
    """ "Not now, thanks": the prompt is not shown again."""
    require(actor, "view", prompt)
    if not actor.is_authenticated:
        raise PermissionDenied
    if prompt.is_open:
        prompt.dismissed_at = timezone.now()
        StoryPrompt.objects.filter(pk=prompt.pk).update(dismissed_at=prompt.dismissed_at)
    return prompt


def prompt_shown(prompt: StoryPrompt) -> None:
    """Remember when a prompt was first shown (one UPDATE, the first time only)."""
    if prompt.shown_at is None:
        prompt.shown_at = timezone.now()
        StoryPrompt.objects.filter(pk=prompt.pk, shown_at__isnull=True).update(
            shown_at=prompt.shown_at
        )


# Creating the prompts (the daily job) ----------------------------------------------------------


def prompts_create(*, now: datetime | None = None) -> int:
    """Prompts for what happened between 37 and 30 days ago, once per member and object
    (the unique constraint makes a second run, or an overlapping window, add nothing).
    Returns how many were new."""
    now = now or timezone.now()
    latest, earliest = now - PROMPT_DELAY, now - PROMPT_DELAY - PROMPT_WINDOW
    prompts = [
        *_accepted_answers(earliest, latest),
        *_attended_events(earliest, latest),
        *_finished_mentoring(earliest, latest),
    ]
    before = StoryPrompt.objects.count()
    StoryPrompt.objects.bulk_create(prompts, ignore_conflicts=True, batch_size=500)
    return StoryPrompt.objects.count() - before


def _active(prefix: str) -> Q:
    return Q(**{f"{prefix}status": Community.Status.ACTIVE})


def _accepted_answers(earliest: datetime, latest: datetime) -> list[StoryPrompt]:
    """The asker, for an answer someone else wrote."""
    from guilde.discussions.models import Thread

    rows = (
        Thread.objects.listed()
        .filter(
            _active("community__"),
            accepted_at__gt=earliest,
            accepted_at__lte=latest,
            author__isnull=False,
        )
        .exclude(accepted_post__author_id=F("author_id"))
        .values_list("pk", "community_id", "author_id", "accepted_at")
    )
    return [
        StoryPrompt(
            member_id=author_id,
            community_id=community_id,
            kind=StoryPrompt.Kind.ACCEPTED_ANSWER,
            object_key=str(pk),
            thread_id=pk,
            due_at=accepted_at + PROMPT_DELAY,
        )
        for pk, community_id, author_id, accepted_at in rows
        if accepted_at is not None
    ]


def _attended_events(earliest: datetime, latest: datetime) -> list[StoryPrompt]:
    """Who attended (in person or online), per occurrence; the occurrence's start is the
    registration's (a series) or the event's."""
    from guilde.events.models import Registration

    attended = ("in_person", "online")
    rows = Registration.objects.filter(
        _active("event__community__"),
        attendance__in=attended,
    ).filter(
        Q(occurrence__isnull=True, event__start__gt=earliest, event__start__lte=latest)
        | Q(occurrence__gt=earliest, occurrence__lte=latest)
    )
    made = []
    for event_id, community_id, member_id, occurrence, start in rows.values_list(
        "event_id", "event__community_id", "member_id", "occurrence", "event__start"
    ):
        key = f"{event_id}@{occurrence.isoformat()}" if occurrence else str(event_id)
        made.append(
            StoryPrompt(
                member_id=member_id,
                community_id=community_id,
                kind=StoryPrompt.Kind.ATTENDED_EVENT,
                object_key=key,
                event_id=event_id,
                occurrence=occurrence,
                due_at=(occurrence or start) + PROMPT_DELAY,
            )
        )
    return made


def _finished_mentoring(earliest: datetime, latest: datetime) -> list[StoryPrompt]:
    """Both sides of the pair."""
    from guilde.mentoring.models import Relationship

    rows = Relationship.objects.filter(
        _active("programme__community__"),
        finished_at__gt=earliest,
        finished_at__lte=latest,
    ).values_list("pk", "programme__community_id", "mentor_id", "mentee_id", "finished_at")
    return [
        StoryPrompt(
            member_id=member_id,
            community_id=community_id,
            kind=StoryPrompt.Kind.FINISHED_MENTORING,
            object_key=str(pk),
            relationship_id=pk,
            due_at=finished_at + PROMPT_DELAY,
        )
        for pk, community_id, mentor_id, mentee_id, finished_at in rows
        if finished_at is not None
        for member_id in (mentor_id, mentee_id)
    ]
