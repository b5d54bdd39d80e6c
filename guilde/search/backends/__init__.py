"""The search backends: one module per database, one interface.

:func:`backend` returns the module-level backend for the default connection's vendor.
Each backend knows how to analyse a document for its index (:meth:`Backend.analyse`), how
to restrict and rank a queryset of :class:`~guilde.search.models.SearchDocument` by a query
(:meth:`Backend.match`), how to tidy its index (:meth:`Backend.trim`,
:meth:`Backend.optimise`) and how to check
it (:meth:`Backend.check`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from django.db import connection
from django.db.models import QuerySet

if TYPE_CHECKING:
    from guilde.search.analysis import Query
    from guilde.search.index import Doc
    from guilde.search.models import SearchDocument


class Backend(Protocol):
    def analyse(self, doc: Doc) -> tuple[str, str, str]:
        """The analysed title, tags and body to store (empty when the database analyses)."""
        ...

    def match(
        self,
        documents: QuerySet[SearchDocument],
        query: Query,
        *,
        require_all: bool,
        threads_only: bool = False,
    ) -> QuerySet[SearchDocument]:
        """``documents`` matching ``query``, annotated with ``score`` (higher is better).
        ``threads_only``: ``documents`` are threads; rank among threads only."""
        ...

    def trim(self) -> int:
        """Keep the index's recent part small (see ranking.py); returns how far it moved."""
        ...

    def after_bulk_load(self) -> None:
        """Bring the index in shape after many documents were written at once (imports,
        generated data, a rebuild)."""
        ...

    def optimise(self) -> None: ...

    def check(self) -> None:
        """Raise if the index is damaged."""
        ...


def backend() -> Backend:
    if connection.vendor == "postgresql":
        from guilde.search.backends import postgresql

        return postgresql.BACKEND
    from guilde.search.backends import sqlite

    return sqlite.BACKEND
