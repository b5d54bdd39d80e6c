"""API of value-creation stories and their prompts.

A community's stories are listed in full to its coordinators and the instance's
administrators; a member gets their own. A story answers its author and those; others get
a 404. Authors appear (``author``) only where they agreed to be named, or to themselves;
otherwise ``author`` is null and ``author_label`` says "a member"."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from guilde.accounts.api import refusals, signed_in
from guilde.analytics import story_selectors as selectors
from guilde.analytics import story_services as services
from guilde.analytics.models import Story, StoryPrompt
from guilde.api.auth import member_auth
from guilde.api.pagination import CursorPage, PageParams, paginate_queryset
from guilde.communities.selectors import community_get

router = Router(tags=["stories"])

CycleLiteral = Literal["immediate", "potential", "applied", "realised", "reframing"]
EffectLiteral = Literal["", "time_saved", "cost_saved", "quality", "other"]
PromptKindLiteral = Literal["accepted_answer", "attended_event", "finished_mentoring"]


class StoryIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    text: str = Field(..., min_length=1, max_length=10_000, description="Markdown.")
    cycle: CycleLiteral = Field(
        ...,
        description="Immediate, potential, applied, realised or reframing value "
        "(Wenger, Trayner & de Laat 2011).",
    )
    effect_kind: EffectLiteral = ""
    effect_value: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    effect_unit: str = Field("", max_length=20, description="For example hours, EUR.")
    thread_id: int | None = None
    article_id: int | None = None
    event_id: int | None = None
    relationship_id: int | None = None
    prompt_id: int | None = Field(None, description="The prompt this story answers (yours).")

    def to_input(self) -> services.StoryInput:
        return services.StoryInput(
            title=self.title,
            text=self.text,
            cycle=self.cycle,
            effect_kind=self.effect_kind,
            effect_value=self.effect_value,
            effect_unit=self.effect_unit,
            thread_id=self.thread_id,
            article_id=self.article_id,
            event_id=self.event_id,
            relationship_id=self.relationship_id,
        )


class LinkOut(Schema):
    kind: Literal["thread", "article", "event", "relationship"]
    id: int
    title: str
    url: str | None


class StoryOut(Schema):
    id: int
    community: str = Field(..., description="The community's slug.")
    title: str
    text: str
    text_html: str
    cycle: CycleLiteral
    effect_kind: EffectLiteral
    effect_value: Decimal | None
    effect_unit: str
    author: str | None = Field(
        ..., description="The author's username, only if they agreed to be named (or are you)."
    )
    author_label: str
    mine: bool
    link: LinkOut | None
    created_at: str
    updated_at: str


class PromptOut(Schema):
    id: int
    kind: PromptKindLiteral
    community: str
    question: str
    due_at: str
    story_url: str = Field(..., description="The story form, pre-linked, answering the prompt.")
    thread_id: int | None
    event_id: int | None
    occurrence: str | None
    relationship_id: int | None


class CycleParams(PageParams):
    cycle: CycleLiteral | None = None


def _link(story: Story) -> dict[str, Any] | None:
    """What the story links, if anything: a thread, article or event by its title and
    address; a mentoring relationship by its programme's name (it has no public address)."""
    for kind in ("thread", "article", "event"):
        linked = getattr(story, kind)
        if linked is not None:
            url = linked.get_absolute_url()
            return {"kind": kind, "id": linked.pk, "title": linked.title, "url": url}
    if story.relationship is not None:
        relationship = story.relationship
        return {
            "kind": "relationship",
            "id": relationship.pk,
            "title": relationship.programme.name,
            "url": None,
        }
    return None


def _story_out(story: Story, viewer: Any) -> dict[str, Any]:
    author = story.author
    named = author is not None and (author.analytics_consent or author.pk == viewer.pk)
    return {
        "id": story.pk,
        "community": story.community.slug,
        "title": story.title,
        "text": story.text,
        "text_html": story.text_html,
        "cycle": story.cycle,
        "effect_kind": story.effect_kind,
        "effect_value": story.effect_value,
        "effect_unit": story.effect_unit,
        "author": author.username if named and author is not None else None,
        "author_label": selectors.author_label(story, viewer),
        "mine": author is not None and author.pk == viewer.pk,
        "link": _link(story),
        "created_at": story.created_at.isoformat(),
        "updated_at": story.updated_at.isoformat(),
    }


def _prompt_out(prompt: StoryPrompt) -> dict[str, Any]:
    from django.urls import reverse
    from django.utils.http import urlencode

    query = {"prompt": prompt.pk, **selectors.prompt_link(prompt)}
    return {
        "id": prompt.pk,
        "kind": prompt.kind,
        "community": prompt.community.slug,
        "question": selectors.prompt_question(prompt),
        "due_at": prompt.due_at.isoformat(),
        "story_url": reverse("analytics:story_create", args=[prompt.community.slug])
        + "?"
        + urlencode(query),
        "thread_id": prompt.thread_id,
        "event_id": prompt.event_id,
        "occurrence": prompt.occurrence.isoformat() if prompt.occurrence else None,
        "relationship_id": prompt.relationship_id,
    }


@router.get("/communities/{slug}/stories", response=CursorPage[StoryOut], auth=member_auth)
def story_list(request: HttpRequest, slug: str, params: Query[CycleParams]) -> dict[str, Any]:
    """The community's stories, newest first: all of them for its coordinators and the
    instance's administrators, your own for its members."""
    viewer = signed_in(request)
    community = community_get(viewer=viewer, slug=slug, action="view", details=False)
    stories = selectors.story_list(viewer=viewer, community=community, cycle=params.cycle)
    page = paginate_queryset(request, stories, params, ordering=("-created_at", "-pk"))
    selectors.attach_links(page["results"])
    page["results"] = [_story_out(story, viewer) for story in page["results"]]
    return page


@router.post("/communities/{slug}/stories", response={201: StoryOut}, auth=member_auth)
def story_create(request: HttpRequest, slug: str, data: StoryIn) -> Status[dict[str, Any]]:
    """A story of yours (members who may post in the community)."""
    viewer = signed_in(request)
    community = community_get(viewer=viewer, slug=slug, action="view", details=False)
    prompt = selectors.prompt_get(viewer=viewer, pk=data.prompt_id) if data.prompt_id else None
    with refusals():
        story = services.story_create(
            actor=viewer, community=community, data=data.to_input(), prompt=prompt
        )
    return Status(201, _story_out(selectors.story_by_id(viewer=viewer, pk=story.pk), viewer))


@router.get("/stories/{story_id}", response=StoryOut, auth=member_auth)
def story_detail(request: HttpRequest, story_id: int) -> dict[str, Any]:
    viewer = signed_in(request)
    return _story_out(selectors.story_by_id(viewer=viewer, pk=story_id), viewer)


@router.put("/stories/{story_id}", response=StoryOut, auth=member_auth)
def story_update(request: HttpRequest, story_id: int, data: StoryIn) -> dict[str, Any]:
    """Change your story (its author only)."""
    viewer = signed_in(request)
    story = selectors.story_by_id(viewer=viewer, pk=story_id)
    with refusals():
        services.story_update(actor=viewer, story=story, data=data.to_input())
    return _story_out(selectors.story_by_id(viewer=viewer, pk=story.pk), viewer)


@router.delete("/stories/{story_id}", response={204: None}, auth=member_auth)
def story_delete(request: HttpRequest, story_id: int) -> Status[None]:
    """Delete your story (its author only)."""
    viewer = signed_in(request)
    story = selectors.story_by_id(viewer=viewer, pk=story_id)
    with refusals():
        services.story_delete(actor=viewer, story=story)
    return Status(204, None)


@router.get("/me/story-prompts", response=list[PromptOut], auth=member_auth)
def prompt_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Your prompts due, oldest first: "did you use this? what changed?"."""
    viewer = signed_in(request)
    return [_prompt_out(prompt) for prompt in selectors.prompt_list(viewer=viewer)]


@router.post("/me/story-prompts/{prompt_id}/dismiss", response=PromptOut, auth=member_auth)
def prompt_dismiss(request: HttpRequest, prompt_id: int) -> dict[str, Any]:
    """Not now: the prompt is not asked again."""
    viewer = signed_in(request)
    prompt = selectors.prompt_get(viewer=viewer, pk=prompt_id)
    with refusals():
        services.prompt_dismiss(actor=viewer, prompt=prompt)
    return _prompt_out(prompt)
