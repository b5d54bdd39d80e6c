"""Reads of knowledge, through the viewer's eyes, in fixed numbers of queries."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import CharField, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.http import Http404
from django.utils import timezone

from guilde.communities.models import Community, Tag
from guilde.communities.selectors import with_viewer_membership
from guilde.core.permissions import can, require
from guilde.discussions.models import Thread
from guilde.knowledge.models import (
    Article,
    ArticleRevision,
    LearningPath,
    PathSection,
    PathStep,
    Proposal,
    StepDone,
)
from guilde.knowledge.permissions import is_steward

ARTICLES_PER_PAGE = 30
RELATED = 5
_ARTICLE_LINK = re.compile(r"/communities/[^/\"']+/articles/(\d+)/")


def article_queryset(
    *, viewer: Any, community: Community, kind: str = "", status: str = "", tag: str = ""
) -> QuerySet[Article]:
    """The community's articles the viewer may see (drafts: their own, or all for stewards)."""
    articles = Article.objects.filter(community=community)
    if not is_steward(viewer, community):
        visible = ~Q(status=Article.Status.DRAFT)
        if viewer.is_authenticated:
            visible |= Q(created_by_id=viewer.pk)
        articles = articles.filter(visible)
    if kind:
        articles = articles.filter(kind=kind)
    if status:
        articles = articles.filter(status=status)
    else:
        articles = articles.exclude(status=Article.Status.ARCHIVED)
    if tag:
        articles = articles.filter(tags__slug=tag)
    return (
        articles.select_related("community", "created_by")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .order_by("-updated_at", "-pk")
    )


def article_get(*, viewer: Any, community: Community, pk: int, action: str = "view") -> Article:
    # A slice, not .first(): one row by primary key needs no ORDER BY, whose compilation
    # over the joined columns costs more than the query.
    article = next(
        iter(
            Article.objects.select_related(
                "created_by", "verified_by", "replaced_by", "source_thread"
            )
            .prefetch_related(
                Prefetch("tags", queryset=Tag.objects.order_by("name")), "attachments"
            )
            .filter(community=community, pk=pk)[:1]
        ),
        None,
    )
    if article is None:
        raise Http404
    article.community = community
    require(viewer, action, article)
    return article


def article_by_id(*, viewer: Any, pk: int, action: str = "view") -> Article:
    article = Article.objects.select_related("community").filter(pk=pk).first()
    if article is None:
        raise Http404
    with_viewer_membership([article.community], viewer)
    require(viewer, action, article)
    return article


def revisions(article: Article) -> QuerySet[ArticleRevision]:
    return (
        ArticleRevision.objects.filter(article=article).select_related("author").order_by("-number")
    )


def revision_get(article: Article, number: int) -> ArticleRevision:
    revision = (
        ArticleRevision.objects.filter(article=article, number=number)
        .select_related("author")
        .first()
    )
    if revision is None:
        raise Http404
    return revision


def contributors(article: Article) -> list[Any]:
    """Who wrote revisions, most revisions first."""
    from guilde.accounts.models import User

    return list(
        User.objects.filter(pk__in=ArticleRevision.objects.filter(article=article).values("author"))
        .annotate(n=Count("pk"))
        .order_by("display_name", "username")
    )


def related(*, viewer: Any, article: Article) -> list[Article]:
    """Published articles sharing the most topics with this one, or linked from it.

    One query of candidates, a row per topic they carry, counted here: an aggregate in SQL
    costs more to compile than the counting."""
    linked = {int(pk) for pk in _ARTICLE_LINK.findall(article.body_html)} - {article.pk}
    tag_ids = {t.pk for t in article.tags.all()}
    rows = (
        Article.objects.filter(community_id=article.community_id)
        .exclude(pk=article.pk)
        .exclude(status__in=[Article.Status.DRAFT, Article.Status.ARCHIVED])
        .filter(Q(tags__in=tag_ids) | Q(pk__in=linked))
        .annotate(tag=F("tags"))
    )
    found: dict[int, Article] = {}
    shared: Counter[int] = Counter()
    for row in rows:
        found.setdefault(row.pk, row)
        shared[row.pk] += row.tag in tag_ids  # type: ignore[attr-defined]
    ranked = sorted(found.values(), key=lambda a: (-shared[a.pk], -a.view_count, -a.pk))
    for candidate in ranked:
        candidate.community = article.community
    return ranked[:RELATED]


def open_proposals(*, viewer: Any, article: Article) -> list[Proposal]:
    proposals = Proposal.objects.filter(
        article=article, status=Proposal.Status.OPEN
    ).select_related("author")
    if not is_steward(viewer, article.community):
        if not viewer.is_authenticated:
            return []
        proposals = proposals.filter(author_id=viewer.pk)
    return list(proposals.order_by("created_at"))


def captured_from(*, viewer: Any, thread: Thread) -> list[Article]:
    """Articles captured from a thread, that the viewer may see (the other half of provenance)."""
    # No join: on SQLite, a join lets the planner start from the communities and miss the
    # source_thread index (most articles have no source thread). The thread's community is
    # the articles' own unless the thread moved since.
    articles = list(Article.objects.filter(source_thread=thread))
    elsewhere = {a.community_id for a in articles} - {thread.community_id}
    communities = {c.pk: c for c in Community.objects.filter(pk__in=elsewhere)} if elsewhere else {}
    for article in articles:
        article.community = communities.get(article.community_id, thread.community)
    return [a for a in articles if can(viewer, "view", a)]


@dataclass
class StepRow:
    step: PathStep
    title: str
    url: str
    done: bool


@dataclass
class SectionRows:
    section: PathSection
    steps: list[StepRow]


def path_rows(*, viewer: Any, path: LearningPath) -> tuple[list[SectionRows], int, int]:
    """The path's sections and the steps the viewer may see, with their progress."""
    steps = PathStep.objects.select_related("article__community", "thread__community")
    if viewer.is_authenticated:
        steps = steps.annotate(
            is_done=Exists(StepDone.objects.filter(step=OuterRef("pk"), member_id=viewer.pk))
        )
    sections = list(
        PathSection.objects.filter(path=path).prefetch_related(
            Prefetch("steps", queryset=steps.order_by("position", "pk"))
        )
    )
    rows: list[SectionRows] = []
    total = done = 0
    for section in sections:
        visible = []
        for step in section.steps.all():
            if step.article is not None:
                step.article.community = path.community
                if not can(viewer, "view", step.article):
                    continue
                title, url = step.title or step.article.title, step.article.get_absolute_url()
            elif step.thread is not None:
                step.thread.community = path.community
                if not can(viewer, "view", step.thread):
                    continue
                title, url = step.title or step.thread.title, step.thread.get_absolute_url()
            else:
                title, url = step.title, step.url
            is_done = bool(getattr(step, "is_done", False))
            visible.append(StepRow(step, title, url, is_done))
            total += 1
            done += is_done
        rows.append(SectionRows(section, visible))
    return rows, done, total


def paths_of(*, viewer: Any, community: Community) -> list[tuple[LearningPath, int, int]]:
    """The community's learning paths with the viewer's progress (steps done, steps)."""
    paths = LearningPath.objects.filter(community=community).annotate(
        steps=Count("sections__steps", distinct=True),
        done=Count(
            "sections__steps__done",
            filter=Q(sections__steps__done__member_id=viewer.pk if viewer.is_authenticated else 0),
            distinct=True,
        ),
    )
    return [(p, p.done, p.steps) for p in paths.order_by("position", "title")]


@dataclass
class Health:
    expiring: list[Article]
    needs_review: list[Article]
    drafts: list[Article]
    proposals: list[Proposal]
    stale: list[Article]
    unhelpful: list[Article]
    orphans: list[Article]


def health(*, community: Community, now: Any = None) -> Health:
    """What the stewards should look at (each list capped; fixed queries)."""
    now = now or timezone.now()
    base = (
        Article.objects.filter(community=community)
        .select_related("community")
        .order_by("-updated_at")
    )
    live = base.exclude(status__in=[Article.Status.DRAFT, Article.Status.ARCHIVED])
    cap = 20
    # An orphan: in no learning path, linked from no other article, captured from nothing.
    link = Concat(Value("/articles/"), Cast(OuterRef("pk"), CharField()), Value("/"))
    linked = (
        Article.objects.filter(community=community)
        .exclude(pk=OuterRef("pk"))
        .filter(body_html__contains=link)
    )
    orphans = live.annotate(
        in_path=Exists(PathStep.objects.filter(article=OuterRef("pk"))), is_linked=Exists(linked)
    ).filter(in_path=False, is_linked=False, source_type="")
    return Health(
        expiring=list(
            base.filter(
                status=Article.Status.VERIFIED,
                verification_expires_at__lte=now + timedelta(days=30),
            ).order_by("verification_expires_at")[:cap]
        ),
        needs_review=list(base.filter(status=Article.Status.NEEDS_REVIEW)[:cap]),
        drafts=list(base.filter(status=Article.Status.DRAFT)[:cap]),
        proposals=list(
            Proposal.objects.filter(article__community=community, status=Proposal.Status.OPEN)
            .select_related("article__community", "author")
            .order_by("created_at")[:cap]
        ),
        stale=list(
            live.filter(updated_at__lt=now - timedelta(days=365)).order_by("-view_count")[:cap]
        ),
        unhelpful=list(
            live.filter(unhelpful_count__gte=3, unhelpful_count__gt=F("helpful_count")).order_by(
                "-unhelpful_count"
            )[:cap]
        ),
        orphans=list(orphans[:cap]),
    )
