"""Search API: one endpoint over everything the caller may find."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from guilde.api.auth import public_auth
from guilde.communities.models import Community
from guilde.search import selectors

router = Router(tags=["search"])

TypeLiteral = Literal[
    "thread", "question", "post", "article", "attachment", "community", "member", "event"
]
StatusLiteral = Literal["unanswered", "solved", "verified", "needs_review", "archived"]
ModeLiteral = Literal["keyword", "semantic", "hybrid"]


class ResultOut(Schema):
    type: str
    id: str
    title: str
    snippet: str
    url: str
    score: float
    similarity: float | None
    community: str | None
    status: str
    created_at: datetime
    starts_at: datetime | None = Field(
        None, description="When an event starts (a series: its first occurrence); else null."
    )


class FacetOut(Schema):
    value: str
    label: str
    count: int


class SearchOut(Schema):
    query: str
    mode: ModeLiteral
    count: int
    count_capped: bool
    all_words: bool
    page: int
    pages: int
    results: list[ResultOut]
    types: list[FacetOut]
    communities: list[FacetOut]


@router.get("/search", response=SearchOut, auth=public_auth)
def search(
    request: HttpRequest,
    q: str = "",
    type: TypeLiteral | None = None,
    community: str = "",
    tag: str = "",
    author: str = "",
    since: date | None = None,
    until: date | None = None,
    status: StatusLiteral | None = None,
    sort: Literal["relevance", "date"] = "relevance",
    mode: ModeLiteral = "hybrid",
    page: int = 1,
) -> dict[str, Any]:
    """Search threads, replies, articles, attachments' text, events, communities and members.

    Every word of ``q`` is required; when nothing has them all, results with any of them
    are ranked instead (``all_words`` is then false). Snippets are HTML: the text escaped,
    matching words in ``<mark>``. ``count`` stops at 1000 (``count_capped``).

    ``mode``: ``keyword`` finds what has the words; ``semantic`` the threads and articles
    closest in meaning (in French or English, whatever the words), ``similarity`` being
    their cosine with the query; ``hybrid`` (the default) both, by reciprocal rank fusion
    (``score`` is then the fused score). A search sorted by date is by the words.

    An event's date (``created_at``, the date filters, the sort by date) is when it starts
    (``starts_at``); a cancelled event has the status ``cancelled``. Its join link is never
    searched nor shown.
    """
    params = selectors.SearchParams(
        q=q[:300],
        type=type or "",
        community=community[:60],
        tag=tag[:60],
        author=author[:150],
        since=since,
        until=until,
        status=status or "",
        sort=sort,
        page=max(1, min(page, selectors.MAX_PAGE)),
        mode=mode,
    )
    found = selectors.search(viewer=request.user, params=params)
    return {
        "query": params.q,
        "mode": found.mode,
        "count": found.total,
        "count_capped": found.capped,
        "all_words": not found.fallback,
        "page": found.page or 1,
        "pages": found.pages,
        "results": [
            {
                "type": r.kind,
                "id": r.key,
                "title": r.plain_title,
                "snippet": str(r.snippet),
                "url": request.build_absolute_uri(r.url),
                "score": r.score,
                "similarity": r.similarity,
                "community": r.community_slug or None,
                "status": r.status,
                "created_at": r.created_at,
                "starts_at": r.starts_at,
            }
            for r in found.results
        ],
        "types": [vars(f) for f in found.types],
        "communities": [vars(f) for f in found.communities],
    }


class SimilarOut(Schema):
    id: str
    title: str
    url: str
    community: str | None
    status: str
    score: float = Field(..., description="The fused rank score (words and meaning).")
    similarity: float | None = Field(
        None, description="Cosine with the text, when close in meaning (0 to 1)."
    )


@router.get("/search/similar", response=list[SimilarOut], auth=public_auth)
def similar(
    request: HttpRequest,
    text: str,
    community: str = "",
) -> list[dict[str, Any]]:
    """Questions already asked like ``text`` (a question being written: its title, and
    its body if any; under three characters, none), by their words and their meaning, up
    to five; ``community`` (a slug) keeps to one community."""
    text = text[:2000]
    where = Community.objects.filter(slug=community[:60]).first() if community else None
    if len(text.strip()) < 3 or (community and where is None):
        return []
    found = selectors.similar_questions(viewer=request.user, text=text, community=where)
    return [
        {
            "id": r.key,
            "title": r.plain_title,
            "url": request.build_absolute_uri(r.url),
            "community": r.community_slug or None,
            "status": r.status,
            "score": r.score,
            "similarity": r.similarity,
        }
        for r in found
    ]
