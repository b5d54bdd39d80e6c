"""Searching, through the viewer's eyes: the one selector the page, the API, "similar
questions" and the evaluation use.

Permissions are conditions of the database query (:func:`permission_q`), never a filter
after the fact, so counts and pages are right: content of communities the viewer may not
read, drafts of others, and (because they are never indexed) hidden or deleted posts and
direct messages cannot appear, not even as a count.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from guilde.accounts.models import User
from guilde.accounts.visibility import shared_member_ids_query
from guilde.communities.models import Community, Membership
from guilde.communities.permissions import is_admin
from guilde.communities.selectors import discoverable_q
from guilde.discussions.models import Thread
from guilde.knowledge.models import Article
from guilde.search import analysis, snippets
from guilde.search.backends import backend
from guilde.search.models import Audience, Kind, SearchDocument

PER_PAGE = 20
MAX_PAGE = 50
FACET_CAP = 1000

TYPES = {
    "thread": _("Threads"),
    "question": _("Questions"),
    "post": _("Replies"),
    "article": _("Articles"),
    "attachment": _("Attachments"),
    "community": _("Communities"),
    "member": _("Members"),
}
STATUSES = {
    "unanswered": _("Unanswered"),
    "solved": _("Solved"),
    "verified": _("Verified"),
    "needs_review": _("Needs review"),
    "archived": _("Archived"),
}
SORTS = {"relevance": _("Relevance"), "date": _("Newest first")}


@dataclass
class SearchParams:
    q: str = ""
    type: str = ""
    community: str = ""
    tag: str = ""
    author: str = ""
    since: date | None = None
    until: date | None = None
    status: str = ""
    sort: str = "relevance"
    page: int = 1

    @property
    def has_filters(self) -> bool:
        return bool(
            self.type or self.community or self.tag or self.author or self.since or self.until
        ) or bool(self.status)


@dataclass
class Result:
    kind: str
    key: str
    plain_title: str
    title: SafeString
    snippet: SafeString
    url: str
    score: float
    context: str
    community_name: str
    community_slug: str
    author_name: str
    created_at: datetime
    status: str
    subtype: str
    rank: int


@dataclass
class Facet:
    value: str
    label: str
    count: int


@dataclass
class SearchPage:
    params: SearchParams
    results: list[Result] = field(default_factory=list)
    total: int = 0
    capped: bool = False
    fallback: bool = False
    page: int = 1
    pages: int = 0
    types: list[Facet] = field(default_factory=list)
    communities: list[Facet] = field(default_factory=list)
    terms: frozenset[str] = frozenset()

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


# Permissions ---------------------------------------------------------------------------------


def _viewable_communities(viewer: Any) -> QuerySet[Community, Any]:
    communities = Community.objects.filter(discoverable_q(viewer))
    if not is_admin(viewer):
        readable = Q(visibility=Community.Visibility.PUBLIC)
        if viewer.is_authenticated:
            readable |= Q(
                pk__in=Membership.objects.filter(
                    member_id=viewer.pk, status=Membership.Status.ACTIVE
                ).values("community_id")
            )
        communities = communities.filter(readable)
    return communities.values("pk")


def _steward_communities(viewer: Any) -> QuerySet[Any, Any]:
    if is_admin(viewer):
        return Community.objects.values("pk")
    return Membership.objects.filter(
        Q(role=Membership.Role.COORDINATOR) | Q(steward=True),
        member_id=viewer.pk,
        status=Membership.Status.ACTIVE,
    ).values("community_id")


def permission_q(viewer: Any) -> Q:
    """The documents ``viewer`` may find, as a condition of the query."""
    viewable = _viewable_communities(viewer)
    condition = Q(audience=Audience.COMMUNITY, community_id__in=viewable)
    condition |= Q(
        audience=Audience.DISCOVER,
        community_id__in=Community.objects.filter(discoverable_q(viewer)).values("pk"),
    )
    if viewer.is_authenticated:
        condition |= Q(audience=Audience.DRAFT, community_id__in=viewable, author_id=viewer.pk)
        condition |= Q(
            audience=Audience.DRAFT,
            community_id__in=viewable,
        ) & Q(community_id__in=_steward_communities(viewer))
        shared = User.objects.filter(shared_member_ids_query(viewer) | Q(pk=viewer.pk)).values("pk")
        condition |= Q(audience=Audience.EVERYONE) & ~Q(author_id__in=shared)
        condition |= Q(audience=Audience.SHARED, author_id__in=shared)
    else:
        condition |= Q(audience=Audience.EVERYONE)
    return condition


# Filters -------------------------------------------------------------------------------------


def _text(value: str) -> str:
    """A filter value as the database may compare it (PostgreSQL refuses NUL bytes)."""
    return value.replace("\x00", "")


def _filtered(
    viewer: Any, params: SearchParams, *, skip: tuple[str, ...] = ()
) -> QuerySet[SearchDocument]:
    documents = SearchDocument.objects.filter(permission_q(viewer))
    if params.type and "type" not in skip:
        if params.type == "question":
            documents = documents.filter(kind=Kind.THREAD, subtype=Thread.Kind.QUESTION)
        else:
            documents = documents.filter(kind=params.type)
    if params.community and "community" not in skip:
        documents = documents.filter(community__slug=_text(params.community))
    if params.tag:
        tag = _text(params.tag)
        tagged_threads = Thread.objects.filter(tags__slug=tag).values("pk")
        tagged_articles = (
            Article.objects.filter(tags__slug=tag)
            .annotate(key=Cast("pk", CharField()))
            .values("key")
        )
        documents = documents.filter(
            Q(kind__in=[Kind.THREAD, Kind.POST], thread_id__in=tagged_threads)
            | Q(kind=Kind.ARTICLE, object_key__in=tagged_articles)
        )
    if params.author:
        documents = documents.filter(author__username=_text(params.author))
    if params.since:
        documents = documents.filter(created_at__date__gte=params.since)
    if params.until:
        documents = documents.filter(created_at__date__lte=params.until)
    if params.status:
        documents = documents.filter(status=params.status)
    return documents


def _matched(
    documents: QuerySet[SearchDocument],
    query: analysis.Query,
    *,
    require_all: bool,
    threads_only: bool = False,
) -> QuerySet[SearchDocument]:
    if query:
        return backend().match(documents, query, require_all=require_all, threads_only=threads_only)
    return documents.extra(select={"score": "0.0"})


def _type_of(kind: str, subtype: str) -> list[str]:
    if kind == Kind.THREAD and subtype == Thread.Kind.QUESTION:
        return [kind, "question"]
    return [kind]


def _facets(
    viewer: Any, params: SearchParams, query: analysis.Query, *, require_all: bool
) -> tuple[list[Facet], list[Facet], int, bool]:
    """Counts by type and by community (each ignoring its own filter), capped at
    :data:`FACET_CAP` documents; and the total for the current filters."""
    by_type = list(
        _matched(_filtered(viewer, params, skip=("type",)), query, require_all=require_all)
        .values_list("kind", "subtype", "community_id")
        .order_by()[:FACET_CAP]
    )
    type_counts: Counter[str] = Counter()
    for kind, subtype, _community in by_type:
        type_counts.update(_type_of(kind, subtype))
    total = type_counts[params.type] if params.type else len(by_type)
    capped = len(by_type) >= FACET_CAP
    if params.community:
        in_communities = list(
            _matched(_filtered(viewer, params, skip=("community",)), query, require_all=require_all)
            .values_list("community_id", flat=True)
            .order_by()[:FACET_CAP]
        )
    else:
        in_communities = [
            c
            for kind, subtype, c in by_type
            if not params.type or params.type in _type_of(kind, subtype)
        ]
    community_counts = Counter(c for c in in_communities if c is not None)
    top = community_counts.most_common(10)
    names = dict(Community.objects.filter(pk__in=[pk for pk, _n in top]).values_list("pk", "slug"))
    labels = dict(Community.objects.filter(pk__in=[pk for pk, _n in top]).values_list("pk", "name"))
    types = [Facet(value, str(label), type_counts[value]) for value, label in TYPES.items()]
    communities = [Facet(names[pk], labels[pk], n) for pk, n in top if pk in names]
    return types, communities, total, capped


def search(
    *,
    viewer: Any,
    params: SearchParams,
    require_all: bool = True,
    exclude: tuple[tuple[str, str], ...] = (),
    per_page: int = PER_PAGE,
    facets: bool = True,
) -> SearchPage:
    """One page of results for ``params`` as ``viewer`` may see them.

    All typed words are required; when nothing has them all, any-word matching ranks
    instead (``fallback``). ``require_all=False`` ranks with any word from the start
    ("similar questions", the evaluation). ``exclude`` leaves out (kind, key) pairs.
    """
    query = analysis.query_terms(params.q)
    page = SearchPage(params=params, terms=query.all_terms)
    if not query and not params.has_filters:
        return page
    page.page = max(1, min(params.page, MAX_PAGE))
    total, capped = 0, False
    if facets:
        page.types, page.communities, total, capped = _facets(
            viewer, params, query, require_all=require_all
        )
        if total == 0 and require_all and len(query.alternatives) > 1:
            page.fallback, require_all = True, False
            page.types, page.communities, total, capped = _facets(
                viewer, params, query, require_all=False
            )
    documents = _matched(
        _filtered(viewer, params),
        query,
        require_all=require_all,
        threads_only=params.type in ("thread", "question"),
    )
    for kind, key in exclude:
        documents = documents.exclude(kind=kind, object_key=key)
    ordering = ("-created_at", "-pk") if params.sort == "date" or not query else ("-score", "-pk")
    offset = (page.page - 1) * per_page
    # Rank on the narrow columns first, then load the page's documents: sorting whole rows
    # (their text, their community and author) for every match costs more than ranking.
    narrow = ("pk", "score")  # "score" is the backend's extra column
    ranked = list(documents.order_by(*ordering).values_list(*narrow)[offset : offset + per_page])
    loaded = (
        SearchDocument.objects.filter(pk__in=[pk for pk, _score in ranked])
        .select_related("community", "author")
        .defer("title_terms", "tags_terms", "body_terms")
        .in_bulk()
    )
    scores = dict(ranked)
    rows = [loaded[pk] for pk, _score in ranked if pk in loaded]
    page.total, page.capped = (total, capped) if facets else (len(rows), False)
    page.pages = min(MAX_PAGE, -(-page.total // per_page)) if facets else page.page
    page.results = [
        _result(row, query.all_terms, offset + i + 1, scores[row.pk]) for i, row in enumerate(rows)
    ]
    return page


def _result(row: SearchDocument, terms: frozenset[str], rank: int, score: Any) -> Result:
    title = row.title or row.context
    return Result(
        kind=row.kind,
        key=row.object_key,
        plain_title=title,
        title=snippets.highlight(title, row.language, terms),
        snippet=snippets.snippet(row.body, row.language, terms),
        url=row.url,
        score=float(score or 0.0),
        context=row.context,
        community_name=row.community.name if row.community else "",
        community_slug=row.community.slug if row.community else "",
        author_name=row.author.name if row.author and row.kind != Kind.MEMBER else "",
        created_at=row.created_at,
        status=row.status,
        subtype=row.subtype,
        rank=rank,
    )


def similar_questions(
    *,
    viewer: Any,
    text: str,
    community: Community | None = None,
    exclude: int | None = None,
    limit: int = 5,
) -> list[Result]:
    """Questions like ``text`` (a title being typed, or a question's title and body),
    ranked with any of its words."""
    params = SearchParams(q=text, type="question", community=community.slug if community else "")
    excluded = ((Kind.THREAD.value, str(exclude)),) if exclude else ()
    return search(
        viewer=viewer,
        params=params,
        require_all=False,
        exclude=excluded,
        per_page=limit,
        facets=False,
    ).results
