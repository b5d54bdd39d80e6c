"""API of the knowledge base: articles, revisions and diffs, the lifecycle, proposals,
feedback, capture from a thread, learning paths and progress."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from guilde.accounts.api import refused
from guilde.accounts.models import User
from guilde.api.auth import member_auth, public_auth
from guilde.api.pagination import CursorPage, PageParams, paginate_queryset
from guilde.communities.selectors import community_get, with_viewer_membership
from guilde.core.permissions import can, require
from guilde.discussions import selectors as discussion_selectors
from guilde.knowledge import diff as diffs
from guilde.knowledge import selectors, services
from guilde.knowledge.models import (
    Article,
    ArticleRevision,
    LearningPath,
    PathSection,
    PathStep,
    Proposal,
)

router = Router(tags=["knowledge"])

KindLiteral = Literal["guide", "best_practice", "case_study", "lesson", "glossary", "resource"]
StatusLiteral = Literal["draft", "published", "verified", "needs_review", "archived"]


def _member(request: HttpRequest) -> User:
    if not isinstance(request.user, User) or not request.user.is_authenticated:
        raise HttpError(401, "Sign in first.")
    return request.user


class ArticleSummaryOut(Schema):
    id: int
    community: str
    kind: KindLiteral
    status: StatusLiteral
    title: str
    tags: list[str]
    updated_at: datetime
    revision: int
    view_count: int


class ArticleOut(ArticleSummaryOut):
    body: str
    body_html: str
    url: str
    verified_at: datetime | None
    verification_expires_at: datetime | None
    review_reason: str
    replaced_by: int | None
    source: dict[str, Any] | None = Field(None, description="What the article was captured from.")
    attachments: list[str]
    helpful: int
    unhelpful: int
    related: list[int]


class ArticleIn(Schema):
    kind: KindLiteral = "guide"
    title: str = Field(..., min_length=1, max_length=200)
    body: str = Field("", max_length=200_000)
    url: str = Field("", max_length=500)
    tags: list[str] = Field(default_factory=list)
    publish: bool = False


class ArticleUpdateIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    body: str = Field("", max_length=200_000)
    summary: str = Field("", max_length=300)
    tags: list[str] | None = None
    url: str | None = Field(None, max_length=500)
    kind: KindLiteral | None = None


class RevisionOut(Schema):
    number: int
    title: str
    body: str
    summary: str
    author: str | None
    created_at: datetime
    restored_from: int | None


class DiffLineOut(Schema):
    kind: Literal["same", "added", "removed", "changed"]
    old: list[tuple[str, Literal["", "del", "ins"]]]
    new: list[tuple[str, Literal["", "del", "ins"]]]


class DiffOut(Schema):
    old: int
    new: int
    title: list[DiffLineOut]
    body: list[DiffLineOut]


class DiffParams(Schema):
    old: int = Field(..., alias="from", description="The earlier revision's number.")
    new: int = Field(..., alias="to", description="The later revision's number.")


class RestoreIn(Schema):
    number: int = Field(..., ge=1)


class ArticleReportIn(Schema):
    text: str = Field(..., min_length=1, max_length=2000)
    thread: int | None = None


class ArchiveIn(Schema):
    replaced_by: int | None = None


class ProposalIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    body: str = Field("", max_length=200_000)
    summary: str = Field("", max_length=300)


class ProposalOut(Schema):
    id: int
    article: int
    base: int
    title: str
    summary: str
    author: str | None
    status: Literal["open", "accepted", "declined"]
    created_at: datetime


class ReviewIn(Schema):
    decision: Literal["comment", "accept", "decline"]
    comment: str = Field("", max_length=5000)


class ArticleFeedbackIn(Schema):
    helpful: bool
    comment: str = Field("", max_length=2000)


class PromoteIn(Schema):
    posts: list[int] = Field(
        default_factory=list, description="Empty: the opening post and the accepted answer."
    )


class PathIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=5000)


class SectionIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)


class StepIn(Schema):
    section: int
    article: int | None = None
    thread: int | None = None
    url: str = Field("", max_length=500)
    title: str = Field("", max_length=200)


class StepOut(Schema):
    id: int
    title: str
    url: str
    done: bool


class SectionOut(Schema):
    id: int
    title: str
    steps: list[StepOut]


class PathOut(Schema):
    id: int
    community: str
    title: str
    description: str
    sections: list[SectionOut]
    done: int
    total: int


class PathSummaryOut(Schema):
    id: int
    title: str
    done: int
    total: int


def _summary(article: Article) -> dict[str, Any]:
    return {
        "id": article.pk,
        "community": article.community.slug,
        "kind": article.kind,
        "status": article.status,
        "title": article.title,
        "tags": [t.slug for t in article.tags.all()],
        "updated_at": article.updated_at,
        "revision": article.revision_count,
        "view_count": article.view_count,
    }


def _detail(viewer: Any, article: Article) -> dict[str, Any]:
    source = None
    if article.source_type:
        source = {
            "type": article.source_type,
            "id": article.source_id,
            "label": article.source_label,
        }
    return {
        **_summary(article),
        "body": article.body,
        "body_html": article.body_html,
        "url": article.url,
        "verified_at": article.verified_at,
        "verification_expires_at": article.verification_expires_at,
        "review_reason": article.review_reason,
        "replaced_by": article.replaced_by_id,
        "source": source,
        "attachments": [u.url for u in article.attachments.all()],
        "helpful": article.helpful_count,
        "unhelpful": article.unhelpful_count,
        "related": [a.pk for a in selectors.related(viewer=viewer, article=article)],
    }


def _article(request: HttpRequest, article_id: int, action: str = "view") -> Article:
    base = selectors.article_by_id(viewer=request.user, pk=article_id, action="view")
    article = selectors.article_get(
        viewer=request.user, community=base.community, pk=article_id, action=action
    )
    return article


def _revision_out(revision: ArticleRevision) -> dict[str, Any]:
    return {
        "number": revision.number,
        "title": revision.title,
        "body": revision.body,
        "summary": revision.summary,
        "author": revision.author.username if revision.author else None,
        "created_at": revision.created_at,
        "restored_from": revision.restored_from,
    }


def _lines(lines: list[diffs.Line]) -> list[dict[str, Any]]:
    return [
        {
            "kind": line.kind,
            "old": [(s.text, s.change) for s in line.old],
            "new": [(s.text, s.change) for s in line.new],
        }
        for line in lines
    ]


def _proposal_out(proposal: Proposal) -> dict[str, Any]:
    return {
        "id": proposal.pk,
        "article": proposal.article_id,
        "base": proposal.base_number,
        "title": proposal.title,
        "summary": proposal.summary,
        "author": proposal.author.username if proposal.author else None,
        "status": proposal.status,
        "created_at": proposal.created_at,
    }


# Articles ---------------------------------------------------------------------------------


@router.get(
    "/communities/{slug}/articles", response=CursorPage[ArticleSummaryOut], auth=public_auth
)
def article_list(
    request: HttpRequest,
    slug: str,
    page: Query[PageParams],
    kind: KindLiteral | None = None,
    status: StatusLiteral | None = None,
    tag: str = "",
) -> dict[str, Any]:
    community = community_get(viewer=request.user, slug=slug, action="view", details=False)
    articles = selectors.article_queryset(
        viewer=request.user, community=community, kind=kind or "", status=status or "", tag=tag
    )
    result = paginate_queryset(request, articles, page, ordering=("-id",))
    return {**result, "results": [_summary(a) for a in result["results"]]}


@router.post("/communities/{slug}/articles", response={201: ArticleOut}, auth=member_auth)
def article_create(request: HttpRequest, slug: str, data: ArticleIn) -> Status[dict[str, Any]]:
    member = _member(request)
    community = community_get(viewer=member, slug=slug, action="write_article", details=False)
    try:
        article = services.article_create(
            actor=member,
            community=community,
            kind=data.kind,
            title=data.title,
            body=data.body,
            url=data.url,
            tags=data.tags,
            publish_now=data.publish,
        )
    except ValidationError as error:
        raise refused(error) from error
    return Status(
        201,
        _detail(member, selectors.article_get(viewer=member, community=community, pk=article.pk)),
    )


@router.get("/articles/{article_id}", response=ArticleOut, auth=public_auth)
def article_detail(request: HttpRequest, article_id: int) -> dict[str, Any]:
    return _detail(request.user, _article(request, article_id))


@router.patch("/articles/{article_id}", response=ArticleOut, auth=member_auth)
def article_update(request: HttpRequest, article_id: int, data: ArticleUpdateIn) -> dict[str, Any]:
    """Save a new revision (where changes are reviewed, propose instead)."""
    member = _member(request)
    article = _article(request, article_id, "edit")
    try:
        services.article_update(
            actor=member,
            article=article,
            title=data.title,
            body=data.body,
            summary=data.summary,
            tags=data.tags,
            url=data.url,
            kind=data.kind,
        )
    except ValidationError as error:
        raise refused(error) from error
    return _detail(member, _article(request, article_id))


@router.get("/articles/{article_id}/revisions", response=CursorPage[RevisionOut], auth=public_auth)
def revision_list(request: HttpRequest, article_id: int, page: Query[PageParams]) -> dict[str, Any]:
    article = _article(request, article_id)
    result = paginate_queryset(request, selectors.revisions(article), page, ordering=("-id",))
    return {**result, "results": [_revision_out(r) for r in result["results"]]}


@router.get("/articles/{article_id}/revisions/{number}", response=RevisionOut, auth=public_auth)
def revision_detail(request: HttpRequest, article_id: int, number: int) -> dict[str, Any]:
    return _revision_out(selectors.revision_get(_article(request, article_id), number))


@router.get("/articles/{article_id}/diff", response=DiffOut, auth=public_auth)
def article_diff(
    request: HttpRequest, article_id: int, between: Query[DiffParams]
) -> dict[str, Any]:
    article = _article(request, article_id)
    old, new = between.old, between.new
    before, after = selectors.revision_get(article, old), selectors.revision_get(article, new)
    return {
        "old": old,
        "new": new,
        "title": _lines(diffs.diff(before.title, after.title)),
        "body": _lines(diffs.diff(before.body, after.body)),
    }


@router.post("/articles/{article_id}/restore", response=RevisionOut, auth=member_auth)
def article_restore(request: HttpRequest, article_id: int, data: RestoreIn) -> dict[str, Any]:
    article = _article(request, article_id, "edit")
    try:
        revision = services.article_restore(
            actor=_member(request), article=article, number=data.number
        )
    except ValidationError as error:
        raise refused(error) from error
    return _revision_out(revision)


@router.post("/articles/{article_id}/publish", response=ArticleOut, auth=member_auth)
def article_publish(request: HttpRequest, article_id: int) -> dict[str, Any]:
    member = _member(request)
    services.article_publish(actor=member, article=_article(request, article_id, "publish"))
    return _detail(member, _article(request, article_id))


@router.post("/articles/{article_id}/verify", response=ArticleOut, auth=member_auth)
def article_verify(request: HttpRequest, article_id: int) -> dict[str, Any]:
    member = _member(request)
    try:
        services.article_verify(actor=member, article=_article(request, article_id, "steward"))
    except ValidationError as error:
        raise refused(error) from error
    return _detail(member, _article(request, article_id))


@router.post("/articles/{article_id}/outdated", response={204: None}, auth=member_auth)
def article_report(request: HttpRequest, article_id: int, data: ArticleReportIn) -> Status[None]:
    member = _member(request)
    article = _article(request, article_id, "report")
    thread = (
        discussion_selectors.thread_by_id(viewer=member, pk=data.thread) if data.thread else None
    )
    try:
        services.article_report_outdated(
            actor=member, article=article, text=data.text, thread=thread
        )
    except ValidationError as error:
        raise refused(error) from error
    return Status(204, None)


@router.post("/articles/{article_id}/archive", response=ArticleOut, auth=member_auth)
def article_archive(request: HttpRequest, article_id: int, data: ArchiveIn) -> dict[str, Any]:
    member = _member(request)
    article = _article(request, article_id, "steward")
    replacement = _article(request, data.replaced_by) if data.replaced_by else None
    try:
        services.article_archive(actor=member, article=article, replaced_by=replacement)
    except ValidationError as error:
        raise refused(error) from error
    return _detail(member, _article(request, article_id))


@router.put("/articles/{article_id}/feedback", response={204: None}, auth=member_auth)
def article_feedback(
    request: HttpRequest, article_id: int, data: ArticleFeedbackIn
) -> Status[None]:
    member = _member(request)
    services.feedback_set(
        actor=member,
        article=_article(request, article_id, "feedback"),
        helpful=data.helpful,
        comment=data.comment,
    )
    return Status(204, None)


@router.post("/threads/{thread_id}/promote", response={201: ArticleOut}, auth=member_auth)
def promote(request: HttpRequest, thread_id: int, data: PromoteIn) -> Status[dict[str, Any]]:
    """Capture a thread as a draft article, with provenance both ways."""
    member = _member(request)
    thread = discussion_selectors.thread_by_id(viewer=member, pk=thread_id)
    require(member, "write_article", thread.community)
    article = services.promote(
        actor=member,
        source=services.source_from_thread(viewer=member, thread=thread, post_ids=data.posts),
    )
    return Status(201, _detail(member, _article(request, article.pk)))


# Proposals --------------------------------------------------------------------------------


@router.get("/articles/{article_id}/proposals", response=list[ProposalOut], auth=member_auth)
def proposal_list(request: HttpRequest, article_id: int) -> list[dict[str, Any]]:
    article = _article(request, article_id)
    return [
        _proposal_out(p) for p in selectors.open_proposals(viewer=_member(request), article=article)
    ]


@router.post("/articles/{article_id}/proposals", response={201: ProposalOut}, auth=member_auth)
def proposal_create(
    request: HttpRequest, article_id: int, data: ProposalIn
) -> Status[dict[str, Any]]:
    member = _member(request)
    article = _article(request, article_id, "propose")
    try:
        proposal = services.proposal_create(
            actor=member, article=article, title=data.title, body=data.body, summary=data.summary
        )
    except ValidationError as error:
        raise refused(error) from error
    return Status(201, _proposal_out(proposal))


@router.post("/proposals/{proposal_id}/review", response=ProposalOut, auth=member_auth)
def proposal_review(request: HttpRequest, proposal_id: int, data: ReviewIn) -> dict[str, Any]:
    member = _member(request)
    proposal = get_object_or_404(
        Proposal.objects.select_related("article__community", "author"), pk=proposal_id
    )
    with_viewer_membership([proposal.article.community], member)
    require(member, "view", proposal)
    try:
        if data.decision == "comment":
            services.proposal_comment(actor=member, proposal=proposal, body=data.comment)
        else:
            services.proposal_decide(
                actor=member,
                proposal=proposal,
                accept=data.decision == "accept",
                comment=data.comment,
            )
    except (ValidationError, PermissionDenied) as error:
        raise refused(error) from error
    return _proposal_out(proposal)


# Learning paths ---------------------------------------------------------------------------


def _path(request: HttpRequest, path_id: int, action: str = "view") -> LearningPath:
    path = get_object_or_404(LearningPath.objects.select_related("community"), pk=path_id)
    with_viewer_membership([path.community], request.user)
    require(request.user, action, path)
    return path


def _path_out(request: HttpRequest, path: LearningPath) -> dict[str, Any]:
    sections, done, total = selectors.path_rows(viewer=request.user, path=path)
    return {
        "id": path.pk,
        "community": path.community.slug,
        "title": path.title,
        "description": path.description,
        "sections": [
            {
                "id": row.section.pk,
                "title": row.section.title,
                "steps": [
                    {"id": s.step.pk, "title": s.title, "url": s.url, "done": s.done}
                    for s in row.steps
                ],
            }
            for row in sections
        ],
        "done": done,
        "total": total,
    }


@router.get("/communities/{slug}/paths", response=list[PathSummaryOut], auth=public_auth)
def path_list(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    community = community_get(viewer=request.user, slug=slug, action="view", details=False)
    return [
        {"id": p.pk, "title": p.title, "done": done, "total": total}
        for p, done, total in selectors.paths_of(viewer=request.user, community=community)
    ]


@router.post("/communities/{slug}/paths", response={201: PathOut}, auth=member_auth)
def path_create(request: HttpRequest, slug: str, data: PathIn) -> Status[dict[str, Any]]:
    member = _member(request)
    community = community_get(viewer=member, slug=slug, action="arrange_paths", details=False)
    try:
        path = services.path_save(
            actor=member, community=community, title=data.title, description=data.description
        )
    except ValidationError as error:
        raise refused(error) from error
    return Status(201, _path_out(request, path))


@router.get("/paths/{path_id}", response=PathOut, auth=public_auth)
def path_detail(request: HttpRequest, path_id: int) -> dict[str, Any]:
    return _path_out(request, _path(request, path_id))


@router.patch("/paths/{path_id}", response=PathOut, auth=member_auth)
def path_update(request: HttpRequest, path_id: int, data: PathIn) -> dict[str, Any]:
    path = _path(request, path_id, "manage")
    try:
        services.path_save(
            actor=_member(request),
            community=path.community,
            path=path,
            title=data.title,
            description=data.description,
        )
    except ValidationError as error:
        raise refused(error) from error
    return _path_out(request, path)


@router.delete("/paths/{path_id}", response={204: None}, auth=member_auth)
def path_delete(request: HttpRequest, path_id: int) -> Status[None]:
    services.path_delete(actor=_member(request), path=_path(request, path_id, "manage"))
    return Status(204, None)


@router.post("/paths/{path_id}/sections", response={201: PathOut}, auth=member_auth)
def section_add(request: HttpRequest, path_id: int, data: SectionIn) -> Status[dict[str, Any]]:
    path = _path(request, path_id, "manage")
    try:
        services.section_add(actor=_member(request), path=path, title=data.title)
    except ValidationError as error:
        raise refused(error) from error
    return Status(201, _path_out(request, path))


@router.post("/paths/{path_id}/steps", response={201: PathOut}, auth=member_auth)
def step_add(request: HttpRequest, path_id: int, data: StepIn) -> Status[dict[str, Any]]:
    member = _member(request)
    path = _path(request, path_id, "manage")
    section = get_object_or_404(PathSection, pk=data.section, path=path)
    article = (
        selectors.article_get(viewer=member, community=path.community, pk=data.article)
        if data.article
        else None
    )
    thread = (
        discussion_selectors.thread_get(viewer=member, community=path.community, pk=data.thread)
        if data.thread
        else None
    )
    try:
        services.step_add(
            actor=member,
            section=section,
            article=article,
            thread=thread,
            url=data.url,
            title=data.title,
        )
    except ValidationError as error:
        raise refused(error) from error
    return Status(201, _path_out(request, path))


def _step(request: HttpRequest, step_id: int) -> PathStep:
    step = get_object_or_404(
        PathStep.objects.select_related("section__path__community"), pk=step_id
    )
    with_viewer_membership([step.section.path.community], request.user)
    if not can(request.user, "view", step.section.path):
        raise HttpError(404, "Not found.")
    return step


@router.delete("/path-steps/{step_id}", response={204: None}, auth=member_auth)
def step_remove(request: HttpRequest, step_id: int) -> Status[None]:
    services.step_remove(actor=_member(request), step=_step(request, step_id))
    return Status(204, None)


@router.put("/path-steps/{step_id}/done", response={204: None}, auth=member_auth)
def step_done(request: HttpRequest, step_id: int) -> Status[None]:
    services.step_done_set(actor=_member(request), step=_step(request, step_id), done=True)
    return Status(204, None)


@router.delete("/path-steps/{step_id}/done", response={204: None}, auth=member_auth)
def step_undone(request: HttpRequest, step_id: int) -> Status[None]:
    services.step_done_set(actor=_member(request), step=_step(request, step_id), done=False)
    return Status(204, None)


# Content health (API completeness, issue 17) -------------------------------------------------


class KnowledgeHealthArticleOut(Schema):
    id: int
    title: str
    status: StatusLiteral
    url: str
    updated_at: datetime
    verification_expires_at: datetime | None
    review_reason: str
    view_count: int
    helpful: int
    unhelpful: int


class KnowledgeHealthProposalOut(Schema):
    id: int
    article: int
    article_title: str
    author: str | None
    created_at: datetime


class KnowledgeHealthOut(Schema):
    expiring: list[KnowledgeHealthArticleOut] = Field(
        ..., description="Verified articles whose verification ends within 30 days."
    )
    needs_review: list[KnowledgeHealthArticleOut]
    drafts: list[KnowledgeHealthArticleOut]
    proposals: list[KnowledgeHealthProposalOut] = Field(
        ..., description="Proposed changes waiting for a steward, oldest first."
    )
    stale: list[KnowledgeHealthArticleOut] = Field(
        ..., description="Much read, not updated for a year."
    )
    unhelpful: list[KnowledgeHealthArticleOut] = Field(
        ..., description="Found unhelpful by at least three readers, more than helpful."
    )
    orphans: list[KnowledgeHealthArticleOut] = Field(
        ..., description="In no learning path, linked from no article, captured from nothing."
    )


def _health_article(article: Article) -> dict[str, Any]:
    return {
        "id": article.pk,
        "title": article.title,
        "status": article.status,
        "url": article.get_absolute_url(),
        "updated_at": article.updated_at,
        "verification_expires_at": article.verification_expires_at,
        "review_reason": article.review_reason,
        "view_count": article.view_count,
        "helpful": article.helpful_count,
        "unhelpful": article.unhelpful_count,
    }


@router.get("/communities/{slug}/knowledge-health", response=KnowledgeHealthOut, auth=member_auth)
def knowledge_health(request: HttpRequest, slug: str) -> dict[str, Any]:
    """What the community's stewards (its coordinators, the members they mark, the
    instance's administrators) should look at, as on the content health page: each list
    holds at most 20 articles or proposals."""
    community = community_get(viewer=_member(request), slug=slug, action="steward", details=False)
    health = selectors.health(community=community)
    articles = {
        name: [_health_article(article) for article in getattr(health, name)]
        for name in ("expiring", "needs_review", "drafts", "stale", "unhelpful", "orphans")
    }
    return {
        **articles,
        "proposals": [
            {
                "id": proposal.pk,
                "article": proposal.article_id,
                "article_title": proposal.article.title,
                "author": proposal.author.username if proposal.author else None,
                "created_at": proposal.created_at,
            }
            for proposal in health.proposals
        ],
    }
