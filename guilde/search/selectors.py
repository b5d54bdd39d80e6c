"""Searching, through the viewer's eyes: the one selector the page, the API, "similar
questions" and the evaluation use.

Permissions are conditions of the database query (:func:`permission_q`), never a filter
after the fact, so counts and pages are right: content of communities the viewer may not
read, drafts of others, and (because they are never indexed) hidden or deleted posts and
direct messages cannot appear, not even as a count.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from guilde.accounts.models import User
from guilde.accounts.visibility import shared_member_ids_query
from guilde.communities.models import Community, Membership
from guilde.communities.permissions import is_admin
from guilde.communities.selectors import discoverable_q
from guilde.core.markdown import plain_text
from guilde.discussions.models import Thread
from guilde.events.models import Event
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
    "event": _("Events"),
}
STATUSES = {
    "unanswered": _("Unanswered"),
    "solved": _("Solved"),
    "verified": _("Verified"),
    "needs_review": _("Needs review"),
    "archived": _("Archived"),
}
SORTS = {"relevance": _("Relevance"), "date": _("Newest first")}
MODES = {
    "hybrid": _("Words and meaning"),
    "keyword": _("Words only"),
    "semantic": _("Meaning only"),
}


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
    # "keyword": documents with the words; "semantic": threads and articles closest in
    # meaning; "hybrid": both lists fused (guilde.search.ranking). The page and the API
    # default to hybrid; this selector's callers say what they want.
    mode: str = "keyword"

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
    # The cosine between the query and the thread or article, when ranked by meaning.
    similarity: float | None = None
    # When an event starts (its first occurrence for a series); None for other kinds.
    starts_at: datetime | None = None

    @property
    def closeness(self) -> int | None:
        """The similarity as a percentage (what the pages show)."""
        return None if self.similarity is None else max(0, round(self.similarity * 100))


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
    mode: str = "keyword"  # how it was ranked (a search by date or without words: keyword)

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


def permission_q(viewer: Any, rights: CommunityRights | None = None) -> Q:
    """The documents ``viewer`` may find, as a condition of the query (``rights``: the
    viewer's, when already read)."""
    rights = rights or community_rights(viewer)
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
        tagged_events = (
            Event.objects.filter(tags__slug=tag).annotate(key=Cast("pk", CharField())).values("key")
        )
        documents = documents.filter(
            Q(kind__in=[Kind.THREAD, Kind.POST], thread_id__in=tagged_threads)
            | Q(kind=Kind.ARTICLE, object_key__in=tagged_articles)
            | Q(kind=Kind.EVENT, object_key__in=tagged_events)
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
    near: list[Near],
) -> tuple[Facets, int]:
    """Counts by type and by community (each ignoring its own filter), capped at
    :data:`FACET_CAP` documents; and the total for the current filters — of the documents
    with the words and of those only meaning found (``near``). Also returns how many
    documents (up to the cap) have the words."""
    by_type = list(
        _matched(_filtered(permitted, params, skip=("type",)), query, require_all=require_all)
        .values_list("pk", "kind", "subtype", "community_id")
        .order_by()[:FACET_CAP]
    )
    in_communities: Sequence[int | None] | None = None
    if params.community:
        matched = list(
            _matched(
                _filtered(permitted, params, skip=("community",)), query, require_all=require_all
            )
            .values_list("pk", "community_id")
            .order_by()[:FACET_CAP]
        )
        seen = {pk for pk, _community in matched}
        in_communities = [community for _pk, community in matched] + [
            n.community_id for n in _of_type(near, params) if n.pk not in seen
        ]
    return _counted(params, _with_near(by_type, near), in_communities), len(by_type)


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


# Meaning ---------------------------------------------------------------------------------------

# Threads and articles closest in meaning to a text, registered by guilde.semantic:
# (text, communities, k) -> [(kind, key, cosine)], closest first, only rows of
# ``communities`` and closer than the embedder's floor. Without it (or before the worker
# built a vector index) every mode ranks by the words alone.
Meaning = Callable[..., list[tuple[str, str, float]]]
_meaning: Meaning | None = None


def register_meaning(function: Meaning) -> None:
    global _meaning
    _meaning = function


def documents_q(pairs: Iterable[tuple[str, str]]) -> Q:
    """The documents of these (kind, key) pairs, as a condition (none for no pair)."""
    keys: dict[str, list[str]] = {}
    for kind, key in pairs:
        keys.setdefault(kind, []).append(key)
    condition = Q(pk__in=[])
    for kind, of_kind in keys.items():
        condition |= Q(kind=kind, object_key__in=of_kind)
    return condition


class Near(NamedTuple):
    """A document found by meaning (narrow columns, as the facets count them)."""

    pk: int
    kind: str
    key: str
    subtype: str
    community_id: int | None
    similarity: float


def _by_meaning(
    permitted: QuerySet[SearchDocument],
    params: SearchParams,
    rights: CommunityRights,
    exclude: tuple[tuple[str, str], ...],
) -> list[Near]:
    """The threads and articles closest in meaning to the query that ``permitted`` holds,
    with every filter but the type, closest first: the vector index is masked to the
    communities the viewer reads before its top is cut; the index's rows are then checked
    against the documents (a thread hidden or moved since the index was built drops)."""
    communities = rights.readable
    if params.community:
        communities = list(
            Community.objects.filter(slug=_text(params.community), pk__in=communities)
            .values_list("pk", flat=True)
            .order_by()
        )
    if _meaning is None or not communities:
        return []
    found = _meaning(text=params.q, communities=communities, k=ranking.FUSION_DEPTH)
    if not found:
        return []
    similarity = {(kind, key): score for kind, key, score in found}
    for pair in exclude:
        similarity.pop(pair, None)
    rows = (
        _filtered(permitted, params, skip=("type",))
        .filter(documents_q(similarity))
        .values_list("pk", "kind", "object_key", "subtype", "community_id")
        .order_by()
    )
    return sorted(
        (Near(*row, similarity[row[1], row[2]]) for row in rows), key=lambda n: -n.similarity
    )


def _of_type(near: list[Near], params: SearchParams) -> list[Near]:
    return [n for n in near if not params.type or params.type in _type_of(n.kind, n.subtype)]


def _fused(keyword: Sequence[tuple[int, Any]], near: list[Near]) -> list[tuple[int, float]]:
    """The keyword ranking's first :data:`~guilde.search.ranking.FUSION_DEPTH` and the
    meaning ranking fused, then the keyword ranking's rest in its own order."""
    depth = ranking.FUSION_DEPTH
    fused = ranking.fused(
        [pk for pk, _score in keyword[:depth]],
        [n.pk for n in near[:depth]],
        weights=(1.0, ranking.MEANING_WEIGHT),
    )
    seen = {pk for pk, _score in fused}
    rest = [
        (pk, 1.0 / (ranking.RRF_K + position))
        for position, (pk, _score) in enumerate(keyword[depth:], start=depth + 1)
        if pk not in seen
    ]
    return fused + rest


def _with_near(
    rows: Sequence[tuple[int, str, str, int | None]], near: list[Near]
) -> list[tuple[str, str, int | None]]:
    """(kind, subtype, community) of ``rows`` (pk first) and of what only meaning found,
    as the facets count them."""
    matched = {row[0] for row in rows}
    return [row[1:] for row in rows] + [
        (n.kind, n.subtype, n.community_id) for n in near if n.pk not in matched
    ]


# Keywords --------------------------------------------------------------------------------------

# "score" is the backend's extra column.
_WINDOW_COLUMNS = ("pk", "score", "kind", "subtype", "community_id")


def _window_ranked(
    permitted: QuerySet[SearchDocument],
    params: SearchParams,
    query: analysis.Query,
    *,
    require_all: bool,
    near: list[Near],
) -> tuple[list[tuple[int, float]], Facets, int]:
    """Every match in the rank window the viewer may see, in one query, ranked here: the
    page and the facets both come from it (the window holds at most
    :data:`~guilde.search.ranking.RANK_WINDOW` documents), and from what meaning found
    (``near``), fused in. For a search by relevance with no community chosen and no
    thread-only type (those rank against another table). Also returns how many documents
    have the words."""
    rows = sorted(
        _matched(_filtered(permitted, params, skip=("type",)), query, require_all=require_all)
        .values_list(*_WINDOW_COLUMNS)
        .order_by()[: ranking.RANK_WINDOW]
    )
    counted = [(pk, kind, subtype, community) for pk, _score, kind, subtype, community in rows]
    facets = _counted(params, _with_near(counted[:FACET_CAP], near), None)
    if params.type:
        rows = [row for row in rows if params.type in _type_of(row[2], row[3])]
    # By score, then the most recent first (as the SQL ordering "-score", "-pk").
    ranked = [
        (pk, score)
        for score, pk in sorted(((s or 0.0, pk) for pk, s, *_rest in rows), reverse=True)
    ]
    if near:
        ranked = _fused(ranked, _of_type(near, params))
    return ranked, facets, len(counted)


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
    ``params.mode`` adds the threads and articles closest in meaning ("hybrid", fused by
    :func:`guilde.search.ranking.fused`) or ranks by meaning alone ("semantic"); a search
    by date, or with no words, is by the words.
    """
    query = analysis.query_terms(params.q)
    page = SearchPage(params=params, terms=query.all_terms)
    if not query and not params.has_filters:
        return page
    page.page = max(1, min(params.page, MAX_PAGE))
    # The permission condition is built once and every query of this search starts from it.
    rights = community_rights(viewer)
    permitted = SearchDocument.objects.filter(permission_q(viewer, rights))
    offset = (page.page - 1) * per_page
    mode = page.mode = params.mode if query and params.sort != "date" else "keyword"
    near = _by_meaning(permitted, params, rights, exclude) if mode != "keyword" else []
    similarity = {n.pk: n.similarity for n in near}
    if mode == "semantic":
        shown = _of_type(near, params)
        if facets:
            page.types, page.communities, _total, _capped = _counted(
                params, [(n.kind, n.subtype, n.community_id) for n in near], None
            )
        ranked = [(n.pk, n.similarity) for n in shown]
        counted = (len(shown), False) if facets else None
        return _page(
            page, query, ranked[offset : offset + per_page], offset, per_page, counted, similarity
        )
    if (
        facets
        and query
        and not exclude
        and params.sort != "date"
        and not params.community
        and params.type not in ("thread", "question")
    ):
        # The common search: one query for the page and the facets.
        ranked, found, matched = _window_ranked(
            permitted, params, query, require_all=require_all, near=near
        )
        if matched == 0 and require_all and len(query.alternatives) > 1:
            page.fallback = True
            ranked, found, matched = _window_ranked(
                permitted, params, query, require_all=False, near=near
            )
        page.types, page.communities, total, capped = found
        return _page(
            page,
            query,
            ranked[offset : offset + per_page],
            offset,
            per_page,
            (total, capped),
            similarity,
        )
    total, capped = 0, False
    if facets:
        (page.types, page.communities, total, capped), matched = _facets(
            permitted, params, query, require_all=require_all, near=near
        )
        if matched == 0 and require_all and len(query.alternatives) > 1:
            page.fallback, require_all = True, False
            (page.types, page.communities, total, capped), matched = _facets(
                permitted, params, query, require_all=False, near=near
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
    if near:
        # Fused: the keyword ranking down to where this page may reach once the documents
        # only meaning found are placed among it.
        keyword = list(
            documents.order_by(*ordering).values_list(*narrow)[: offset + per_page + len(near)]
        )
        ranked = _fused(keyword, _of_type(near, params))[offset : offset + per_page]
    else:
        ranked = list(
            documents.order_by(*ordering).values_list(*narrow)[offset : offset + per_page]
        )
    return _page(
        page, query, ranked, offset, per_page, (total, capped) if facets else None, similarity
    )


def _page(
    page: SearchPage,
    query: analysis.Query,
    ranked: list[tuple[int, Any]],
    offset: int,
    per_page: int,
    counted: tuple[int, bool] | None,
    similarity: dict[int, float] | None = None,
) -> SearchPage:
    """``page`` with the ``ranked`` (id, score) documents loaded and shown; ``counted``:
    the total and whether it is capped (``None``: not counted, one page only);
    ``similarity``: the cosines of the documents ranked by meaning."""
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
            row,
            query.all_terms,
            offset + i + 1,
            scores[row.pk],
            seen.setdefault(row.language, {}),
            (similarity or {}).get(row.pk),
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
    similarity: float | None = None,
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
        similarity=similarity,
        # An event's document is dated by its start (guilde.search.index._event_doc).
        starts_at=row.created_at if row.kind == Kind.EVENT else None,
    )


def questions_like(*, viewer: Any, thread: Thread, limit: int = 5) -> list[Result]:
    """Questions of ``thread``'s community most like it (its title and opening post)."""
    opening = thread.posts.filter(position=1).values_list("body", flat=True).first() or ""
    return similar_questions(
        viewer=viewer,
        text=f"{thread.title} {plain_text(opening, limit=600)}",
        community=thread.community,
        exclude=thread.pk,
        limit=limit,
    )


def similar_questions(
    *,
    viewer: Any,
    text: str,
    community: Community | None = None,
    exclude: int | None = None,
    limit: int = 5,
) -> list[Result]:
    """Questions like ``text`` (a title being typed, or a question's title and body):
    those with any of its words and those closest in meaning, fused."""
    params = SearchParams(
        q=text, type="question", community=community.slug if community else "", mode="hybrid"
    )
    excluded = ((Kind.THREAD.value, str(exclude)),) if exclude else ()
    return search(
        viewer=viewer,
        params=params,
        require_all=False,
        exclude=excluded,
        per_page=limit,
        facets=False,
    ).results
