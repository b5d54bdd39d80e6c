"""Cursor pagination for API lists: opaque ``next`` / ``previous`` links, stable order.

Endpoints that must turn a page of rows into something else (members seen through the
caller's eyes) call :func:`paginate_queryset` and return a :class:`CursorPage`; simple
lists can use ninja's ``@paginate(Pagination)`` with :class:`guilde.api.api.Pagination`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import CursorPagination

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class PageParams(Schema):
    cursor: str | None = Field(None, description="From a previous page's next or previous link.")
    page_size: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE, description="Default 20.")


class CursorPage[T](Schema):
    next: str | None
    previous: str | None
    results: list[T]


def paginate_queryset(
    request: HttpRequest, queryset: QuerySet[Any], params: PageParams, *, ordering: tuple[str, ...]
) -> dict[str, Any]:
    """One page of ``queryset`` in ``ordering`` (whose first field must be unique)."""
    paginator = CursorPagination(
        ordering=ordering, page_size=DEFAULT_PAGE_SIZE, max_page_size=MAX_PAGE_SIZE
    )
    page: dict[str, Any] = paginator.paginate_queryset(
        queryset, CursorPagination.Input(cursor=params.cursor, page_size=params.page_size), request
    )
    return page


__all__ = ["CursorPage", "Model", "PageParams", "paginate_queryset"]
