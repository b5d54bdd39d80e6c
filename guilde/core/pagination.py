"""Pages of long lists whose exact length is not worth its price.

Counting every match of a broad filter reads every matching row (in the member directory,
each one's visibility settings too); beyond a thousand, "more than 1,000" says as much to
a person, who refines the filters rather than read page forty-three.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.utils.functional import cached_property

CAP = 1000


class CappedPaginator(Paginator[Any]):
    """A paginator that counts at most ``cap`` + 1 objects: ``capped`` tells when there
    are more than ``cap``; pages go up to the ``cap``-th object."""

    def __init__(
        self, object_list: Any, per_page: int, *, cap: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = CAP if cap is None else cap

    @cached_property
    def count(self) -> int:
        # A sliced queryset counts in a subquery with LIMIT: the database stops there —
        # once the ordering is gone (sorting every match first would cost the full price).
        matches: Any = self.object_list  # a queryset
        window = matches.order_by()[: self.cap + 1]
        return min(int(window.count()), self.cap + 1)

    @property
    def capped(self) -> bool:
        return self.count > self.cap
