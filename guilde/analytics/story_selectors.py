"""Reads of value-creation stories and their prompts, each taking the viewer.

A community's stories are its coordinators' and the instance's administrators' (the
``view_analytics`` rule); a member reads their own. Authors are named only where they
agreed to be (``User.analytics_consent``) — to anyone but themselves they are otherwise
"a member" (:func:`author_label`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from guilde.analytics.models import Story, StoryPrompt
from guilde.communities.models import Community
from guilde.communities.permissions import is_admin
from guilde.core.permissions import can, require

# Wenger, Trayner & de Laat (2011), "Promoting and assessing value creation in communities
# and networks": the five cycles, in their order.
CYCLES = tuple(Story.Cycle)
LATEST_PER_CYCLE = 3


def first_row[M: models.Model](queryset: QuerySet[M]) -> M | None:
    """The first row, if any, read with a slice (no ORDER BY to add: ARCHITECTURE.md)."""
    return next(iter(queryset[:1]), None)


def _related(queryset: QuerySet[Story]) -> QuerySet[Story]:
    return queryset.select_related(
        "community", "author", "thread", "article", "event", "relationship__programme"
    )


def attach_links(stories: Iterable[Story]) -> None:
    """Linked objects are of the story's community: give them the row already loaded, so
    that their addresses cost no query."""
    for story in stories:
        for name in ("thread", "article", "event"):
            linked = getattr(story, name)
            if linked is not None:
                linked.community = story.community


def author_label(story: Story, viewer: Any) -> str:
    """The author's name if they agreed to be named (or are the viewer), else "a member"."""
    author = story.author
    if author is None:
        return _("a former member")
    if author.analytics_consent or (viewer is not None and author.pk == viewer.pk):
        return author.name
    return _("a member")


def sees_all(viewer: Any, community: Community) -> bool:
    return can(viewer, "view_analytics", community)


def story_list(*, viewer: Any, community: Community, cycle: str | None = None) -> QuerySet[Story]:
    """The community's stories for those who may see its analytics; otherwise the viewer's
    own (none for visitors). ``community`` was read with the viewer's ``view`` check."""
    stories = Story.objects.filter(community=community)
    if not sees_all(viewer, community):
        if not viewer.is_authenticated:
            return Story.objects.none()
        stories = stories.filter(author_id=viewer.pk)
    if cycle:
        if cycle not in Story.Cycle.values:
            raise Http404
        stories = stories.filter(cycle=cycle)
    return _related(stories).order_by("-created_at", "-pk")


def own_stories(*, viewer: Any, community: Community) -> QuerySet[Story]:
    if not viewer.is_authenticated:
        return Story.objects.none()
    return _related(Story.objects.filter(community=community, author_id=viewer.pk))


def story_get(*, viewer: Any, community: Community, pk: int) -> Story:
    story = first_row(_related(Story.objects.filter(community=community, pk=pk)))
    if story is None:
        raise Http404
    story.community = community
    require(viewer, "view", story)
    attach_links([story])
    return story


def story_by_id(*, viewer: Any, pk: int) -> Story:
    story = first_row(_related(Story.objects.filter(pk=pk)))
    if story is None:
        raise Http404
    require(viewer, "view", story)
    attach_links([story])
    return story


@dataclass
class CycleStories:
    cycle: str
    label: str
    count: int = 0
    latest: list[Story] = field(default_factory=list)


def stories_by_cycle(
    viewer: Any,
    community: Community | None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[CycleStories]:
    """For the dashboard: per cycle, the number of stories written in [start, end) and the
    latest few, in two queries. A community's: those who may see its analytics; the
    instance's (``community`` None): administrators."""
    stories = _dashboard_stories(viewer, community, start, end)
    counts = dict(stories.order_by().values_list("cycle").annotate(n=Count("pk")))
    ranked = _related(stories).annotate(
        rank=Window(
            RowNumber(),
            partition_by=[F("cycle")],
            order_by=[F("created_at").desc(), F("pk").desc()],
        )
    )
    latest = list(ranked.filter(rank__lte=LATEST_PER_CYCLE).order_by("-created_at", "-pk"))
    attach_links(latest)
    shown = {cycle.value: CycleStories(cycle.value, str(cycle.label)) for cycle in CYCLES}
    for cycle, count in counts.items():
        shown[cycle].count = count
    for story in latest:
        shown[story.cycle].latest.append(story)
    return list(shown.values())


def _dashboard_stories(
    viewer: Any, community: Community | None, start: datetime | None, end: datetime | None
) -> QuerySet[Story]:
    if community is None:
        if not is_admin(viewer):
            raise PermissionDenied
        stories = Story.objects.all()
    else:
        require(viewer, "view_analytics", community)
        stories = Story.objects.filter(community=community)
    if start is not None:
        stories = stories.filter(created_at__gte=start)
    if end is not None:
        stories = stories.filter(created_at__lt=end)
    return stories


# What a story came from → the dashboard's section whose indicators it speaks to.
LINKED_SECTIONS = {
    "thread": "responsiveness",
    "event": "activity",
    "article": "knowledge",
    "relationship": "mentoring",
}
LATEST_PER_SECTION = 2


@dataclass
class SectionStories:
    """Stories told about what one section of the dashboard measures: how many per cycle
    (cycles without a story left out) and the latest few."""

    cycles: list[tuple[str, int]] = field(default_factory=list)
    latest: list[Story] = field(default_factory=list)


def stories_by_section(
    viewer: Any,
    community: Community | None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> dict[str, SectionStories]:
    """For the dashboard: stories written in [start, end) grouped by the section of
    indicators their link relates to (:data:`LINKED_SECTIONS`: answers beside
    responsiveness, events beside activity, articles beside knowledge, mentoring beside
    mentoring), each with its counts by cycle and its latest stories — two queries.
    Stories linked to nothing stay in the table by cycle only."""
    from django.db.models import Case, CharField, Value, When

    section = Case(
        *(When(**{f"{link}__isnull": False}, then=Value(name))
          for link, name in LINKED_SECTIONS.items()),
        default=Value(""),
        output_field=CharField(),
    )  # fmt: skip
    stories = (
        _dashboard_stories(viewer, community, start, end)
        .annotate(section=section)
        .exclude(section="")
    )
    counts = stories.order_by().values_list("section", "cycle").annotate(n=Count("pk"))
    shown = {name: SectionStories() for name in LINKED_SECTIONS.values()}
    labels = dict(Story.Cycle.choices)
    found = {(name, cycle): n for name, cycle, n in counts}
    for cycle in CYCLES:
        for name, stories_of in shown.items():
            if n := found.get((name, cycle.value)):
                stories_of.cycles.append((str(labels[cycle.value]), n))
    ranked = _related(stories).annotate(
        rank=Window(
            RowNumber(),
            partition_by=[F("section")],
            order_by=[F("created_at").desc(), F("pk").desc()],
        )
    )
    latest = list(ranked.filter(rank__lte=LATEST_PER_SECTION).order_by("-created_at", "-pk"))
    attach_links(latest)
    for story in latest:
        shown[story.section].latest.append(story)  # type: ignore[attr-defined]
    return shown


# Prompts -----------------------------------------------------------------------------------


def _open_prompts(viewer: Any) -> QuerySet[StoryPrompt]:
    """Due, unanswered, not dismissed, in an active community the viewer still reads (a
    member who left a private community is no longer asked about its threads)."""
    from guilde.events.selectors import readable_communities_q

    return StoryPrompt.objects.filter(
        member_id=viewer.pk,
        due_at__lte=timezone.now(),
        answered_at__isnull=True,
        dismissed_at__isnull=True,
        community__status=Community.Status.ACTIVE,
        community__in=Community.objects.filter(readable_communities_q(viewer)),
    ).select_related("community", "thread", "event", "relationship__programme")


def prompt_due(*, viewer: Any) -> StoryPrompt | None:
    """The oldest prompt due for the viewer (one query), or None."""
    if viewer is None or not viewer.is_authenticated:
        return None
    # Shown on every page a member opens, and most have none due: a plain look at their own
    # rows first, the whole query (joins, the readable communities) only when one is there.
    due = StoryPrompt.objects.filter(
        member_id=viewer.pk,
        due_at__lte=timezone.now(),
        answered_at__isnull=True,
        dismissed_at__isnull=True,
    )
    if not due.exists():
        return None
    return first_row(_open_prompts(viewer).order_by("due_at", "pk"))


def prompt_list(*, viewer: Any) -> QuerySet[StoryPrompt]:
    """The viewer's prompts due and not answered or dismissed, oldest first."""
    if viewer is None or not viewer.is_authenticated:
        return StoryPrompt.objects.none()
    return _open_prompts(viewer).order_by("due_at", "pk")


def prompt_get(*, viewer: Any, pk: int) -> StoryPrompt:
    prompt = first_row(
        StoryPrompt.objects.select_related(
            "community", "thread", "event", "relationship__programme"
        ).filter(pk=pk)
    )
    if prompt is None:
        raise Http404
    require(viewer, "view", prompt)
    return prompt


def prompt_question(prompt: StoryPrompt) -> str:
    """What the prompt asks, in words."""
    if prompt.kind == StoryPrompt.Kind.ACCEPTED_ANSWER and prompt.thread is not None:
        return _(
            "A month ago you accepted an answer to “%(title)s”. Did you use it? What changed?"
        ) % {"title": prompt.thread.title}
    if prompt.kind == StoryPrompt.Kind.ATTENDED_EVENT and prompt.event is not None:
        return _(
            "A month ago you attended “%(title)s”. Did you use what you took from it? What changed?"
        ) % {"title": prompt.event.title}
    if prompt.kind == StoryPrompt.Kind.FINISHED_MENTORING and prompt.relationship is not None:
        return _(
            "Your mentoring relationship in “%(programme)s” finished a month ago. "
            "Did you use what you learnt? What changed?"
        ) % {"programme": prompt.relationship.programme.name}
    return _("Did you use what you found here? What changed?")


def prompt_link(prompt: StoryPrompt) -> dict[str, int]:
    """The story form's pre-link for the prompt's object."""
    if prompt.thread_id:
        return {"thread": prompt.thread_id}
    if prompt.event_id:
        return {"event": prompt.event_id}
    if prompt.relationship_id:
        return {"relationship": prompt.relationship_id}
    return {}
