"""Searching, through the viewer's eyes: the one selector the page, the API, "similar
questions" and the evaluation use.

Permissions are conditions of the database query (:func:`permission_q`), never a filter
after the fact, so counts and pages are right: content of communities the viewer may not
read, drafts of others, and (because they are never indexed) hidden or deleted posts and
direct messages cannot appear, not even as a count.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
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
from guilde.search import analysis, ranking, snippets
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


@dataclass(frozen=True)
class CommunityRights:
    """The communities whose documents ``viewer`` may find, as id lists (two small queries,
    read once per search, so the search's own query compares ids instead of nesting the
    community rules)."""

    discoverable: list[int]
    readable: list[int]
    stewarded: list[int]


def community_rights(viewer: Any) -> CommunityRights:
    known = list(
        Community.objects.filter(discoverable_q(viewer)).values_list("pk", "visibility").order_by()
    )
    discoverable = [pk for pk, _visibility in known]
    if is_admin(viewer):
        return CommunityRights(discoverable, discoverable, discoverable)
    memberships: dict[int, tuple[str, bool]] = {}
    if viewer.is_authenticated:
        memberships = {
            community_id: (role, steward)
            for community_id, role, steward in Membership.objects.filter(
                member_id=viewer.pk, status=Membership.Status.ACTIVE
            ).values_list("community_id", "role", "steward")
        }
    readable = [
        pk
        for pk, visibility in known
        if visibility == Community.Visibility.PUBLIC or pk in memberships
    ]
    stewarded = [
        pk
        for pk in readable
        if pk in memberships
        and (memberships[pk][0] == Membership.Role.COORDINATOR or memberships[pk][1])
    ]
    return CommunityRights(discoverable, readable, stewarded)


def permission_q(viewer: Any) -> Q:
    """The documents ``viewer`` may find, as a condition of the query."""
    rights = community_rights(viewer)
    condition = Q(audience=Audience.COMMUNITY, community_id__in=rights.readable)
    condition |= Q(audience=Audience.DISCOVER, community_id__in=rights.discoverable)
    if viewer.is_authenticated:
        condition |= Q(
            audience=Audience.DRAFT, community_id__in=rights.readable, author_id=viewer.pk
        )
        condition |= Q(audience=Audience.DRAFT, community_id__in=rights.stewarded)
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
    permitted: QuerySet[SearchDocument], params: SearchParams, *, skip: tuple[str, ...] = ()
) -> QuerySet[SearchDocument]:
    """``permitted`` (the documents the viewer may find) narrowed by ``params``' filters,
    but those named in ``skip``."""
    documents = permitted
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


Facets = tuple[list[Facet], list[Facet], int, bool]


def _facets(
    permitted: QuerySet[SearchDocument],
    params: SearchParams,
    query: analysis.Query,
    *,
    require_all: bool,
) -> Facets:
    """Counts by type and by community (each ignoring its own filter), capped at
    :data:`FACET_CAP` documents; and the total for the current filters."""
    by_type = list(
        _matched(_filtered(permitted, params, skip=("type",)), query, require_all=require_all)
        .values_list("kind", "subtype", "community_id")
        .order_by()[:FACET_CAP]
    )
    in_communities: Sequence[int | None] | None = None
    if params.community:
        in_communities = list(
            _matched(
                _filtered(permitted, params, skip=("community",)), query, require_all=require_all
            )
            .values_list("community_id", flat=True)
            .order_by()[:FACET_CAP]
        )
    return _counted(params, by_type, in_communities)


def _counted(
    params: SearchParams,
    by_type: Sequence[tuple[str, str, int | None]],
    in_communities: Sequence[int | None] | None,
) -> Facets:
    """The facets from (kind, subtype, community) of the documents found without the type
    filter and, when a community is chosen, the communities found without that filter."""
    type_counts: Counter[str] = Counter()
    community_counts: Counter[int] = Counter()
    for (kind, subtype, community), n in Counter(by_type).items():
        counted_as = _type_of(kind, subtype)
        for value in counted_as:
            type_counts[value] += n
        wanted = not params.type or params.type in counted_as
        if in_communities is None and community is not None and wanted:
            community_counts[community] += n
    total = type_counts[params.type] if params.type else len(by_type)
    capped = len(by_type) >= FACET_CAP
    if in_communities is not None:
        community_counts = Counter(c for c in in_communities if c is not None)
    shown = {
        pk: (slug, name)
        for pk, slug, name in Community.objects.filter(pk__in=list(community_counts)).values_list(
            "pk", "slug", "name"
        )
    }
    # The ten with most results; equal counts by name (whatever order the rows came in).
    top = sorted(
        (pk for pk in community_counts if pk in shown),
        key=lambda pk: (-community_counts[pk], shown[pk][1].casefold(), pk),
    )[:10]
    types = [Facet(value, str(label), type_counts[value]) for value, label in TYPES.items()]
    communities = [Facet(*shown[pk], community_counts[pk]) for pk in top]
    return types, communities, total, capped


# "score" is the backend's extra column.
_WINDOW_COLUMNS = ("pk", "score", "kind", "subtype", "community_id")


def _window_ranked(
    permitted: QuerySet[SearchDocument],
    params: SearchParams,
    query: analysis.Query,
    *,
    require_all: bool,
) -> tuple[list[tuple[int, float]], Facets]:
    """Every match in the rank window the viewer may see, in one query, ranked here: the
    page and the facets both come from it (the window holds at most
    :data:`~guilde.search.ranking.RANK_WINDOW` documents). For a search by relevance with
    no community chosen and no thread-only type (those rank against another table)."""
    rows = sorted(
        _matched(_filtered(permitted, params, skip=("type",)), query, require_all=require_all)
        .values_list(*_WINDOW_COLUMNS)
        .order_by()[: ranking.RANK_WINDOW]
    )
    facets = _counted(params, [row[2:] for row in rows[:FACET_CAP]], None)
    if params.type:
        rows = [row for row in rows if params.type in _type_of(row[2], row[3])]
    # By score, then the most recent first (as the SQL ordering "-score", "-pk").
    ranked = sorted(((score or 0.0, pk) for pk, score, *_rest in rows), reverse=True)
    return [(pk, score) for score, pk in ranked], facets


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
    # The permission condition is built once and every query of this search starts from it.
    permitted = SearchDocument.objects.filter(permission_q(viewer))
    offset = (page.page - 1) * per_page
    if (
        facets
        and query
        and not exclude
        and params.sort != "date"
        and not params.community
        and params.type not in ("thread", "question")
    ):
        # The common search: one query for the page and the facets.
        ranked, found = _window_ranked(permitted, params, query, require_all=require_all)
        if found[2] == 0 and require_all and len(query.alternatives) > 1:
            page.fallback = True
            ranked, found = _window_ranked(permitted, params, query, require_all=False)
        page.types, page.communities, total, capped = found
        return _page(
            page, query, ranked[offset : offset + per_page], offset, per_page, (total, capped)
        )
    total, capped = 0, False
    if facets:
        page.types, page.communities, total, capped = _facets(
            permitted, params, query, require_all=require_all
        )
        if total == 0 and require_all and len(query.alternatives) > 1:
            page.fallback, require_all = True, False
            page.types, page.communities, total, capped = _facets(
                permitted, params, query, require_all=False
            )
    documents = _matched(
        _filtered(permitted, params),
        query,
        require_all=require_all,
        threads_only=params.type in ("thread", "question"),
    )
    for kind, key in exclude:
        documents = documents.exclude(kind=kind, object_key=key)
    ordering = ("-created_at", "-pk") if params.sort == "date" or not query else ("-score", "-pk")
    # Rank on the narrow columns first, then load the page's documents: sorting whole rows
    # (their text, their community and author) for every match costs more than ranking.
    narrow = ("pk", "score")  # "score" is the backend's extra column
    ranked = list(documents.order_by(*ordering).values_list(*narrow)[offset : offset + per_page])
    return _page(page, query, ranked, offset, per_page, (total, capped) if facets else None)


def _page(
    page: SearchPage,
    query: analysis.Query,
    ranked: list[tuple[int, Any]],
    offset: int,
    per_page: int,
    counted: tuple[int, bool] | None,
) -> SearchPage:
    """``page`` with the ``ranked`` (id, score) documents loaded and shown; ``counted``:
    the total and whether it is capped (``None``: not counted, one page only)."""
    loaded = (
        SearchDocument.objects.filter(pk__in=[pk for pk, _score in ranked])
        .select_related("community", "author")
        .only(*_SHOWN)
        .in_bulk()
    )
    scores = dict(ranked)
    rows = [loaded[pk] for pk, _score in ranked if pk in loaded]
    seen: dict[str, dict[str, bool]] = {}  # words already judged, by language
    page.total, page.capped = counted if counted else (len(rows), False)
    page.pages = min(MAX_PAGE, -(-page.total // per_page)) if counted else page.page
    page.results = [
        _result(
            row, query.all_terms, offset + i + 1, scores[row.pk], seen.setdefault(row.language, {})
        )
        for i, row in enumerate(rows)
    ]
    return page


# What a result shows (loaded for the page's documents only).
_SHOWN = (
    "kind",
    "object_key",
    "language",
    "subtype",
    "status",
    "created_at",
    "url",
    "title",
    "context",
    "body",
    "community__name",
    "community__slug",
    "author__display_name",
    "author__username",
    "author__deleted_at",
)


def _result(
    row: SearchDocument,
    terms: frozenset[str],
    rank: int,
    score: Any,
    seen: dict[str, bool] | None = None,
) -> Result:
    title = row.title or row.context
    return Result(
        kind=row.kind,
        key=row.object_key,
        plain_title=title,
        title=snippets.highlight(title, row.language, terms, seen),
        snippet=snippets.snippet(row.body, row.language, terms, seen=seen),
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
