"""Related threads, articles and events, by meaning."""

from __future__ import annotations

from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema

from guilde.api.auth import public_auth
from guilde.semantic import selectors
from guilde.semantic.views import visible

router = Router(tags=["search"])


class RelatedOut(Schema):
    type: Literal["thread", "article", "event"]
    id: str
    title: str
    url: str
    community: str
    status: str
    similarity: float = Field(..., description="Cosine with the thread or article, 0 to 1.")


@router.get("/search/related", response=list[RelatedOut], auth=public_auth)
def related(
    request: HttpRequest, type: Literal["thread", "article", "event"], id: int
) -> list[dict[str, Any]]:
    """The threads, articles and events closest in meaning to one of them (up to five,
    from every community the caller reads; refreshed seconds after content changes)."""
    if not visible(request.user, type, str(id)):
        raise Http404
    return [
        {
            "type": item.kind,
            "id": item.key,
            "title": item.title,
            "url": request.build_absolute_uri(item.url),
            "community": item.community_name,
            "status": item.status,
            "similarity": item.similarity,
        }
        for item in selectors.related(viewer=request.user, kind=type, key=str(id))
    ]
