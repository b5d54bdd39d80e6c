"""SQLite: an FTS5 table fed by triggers from the analysed columns, ranked with BM25.

The FTS5 table ``search_fts`` is an external-content table over ``search_searchdocument``
(migration 0002): inserting, updating the analysed columns of, or deleting a document
updates it in the same transaction, from the stored terms — a deletion never needs the
analyser. Its tokenizer only splits and lower-cases: the terms arrive stemmed and folded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import QuerySet

from guilde.search import analysis, ranking

if TYPE_CHECKING:
    from guilde.search.analysis import Query
    from guilde.search.index import Doc
    from guilde.search.models import SearchDocument


def _score(table: str) -> str:
    """The ranking of :mod:`guilde.search.ranking` as SQL over FTS5 table ``table``."""
    weights = f"{ranking.TITLE_WEIGHT}, {ranking.TAGS_WEIGHT}, {ranking.BODY_WEIGHT}"
    return (
        f"(-bm25({table}, {weights}))"
        " * search_searchdocument.boost"
        f" * (1 + {ranking.RECENCY_WEIGHT} / (1 + (julianday('now')"
        f" - julianday(search_searchdocument.activity_at)) / {ranking.RECENCY_DAYS}))"
    )


def fts_query(query: Query, *, require_all: bool) -> str:
    """An FTS5 query string: each word's alternatives ORed, words ANDed (or ORed).
    Terms are made of word characters only and quoted, so no input is read as syntax."""
    groups = [
        "(" + " OR ".join(f'"{t}"' for t in sorted(alternatives)) + ")"
        for alternatives in query.alternatives
    ]
    return (" AND " if require_all else " OR ").join(groups)


class SQLiteBackend:
    def analyse(self, doc: Doc) -> tuple[str, str, str]:
        language = doc.language
        return (
            analysis.terms(doc.title, language),
            analysis.terms(doc.tags, language),
            analysis.terms(doc.body, language),
        )

    def match(
        self,
        documents: QuerySet[SearchDocument],
        query: Query,
        *,
        require_all: bool,
        threads_only: bool = False,
    ) -> QuerySet[SearchDocument]:
        table = "search_fts_thread" if threads_only else "search_fts"
        match = fts_query(query, require_all=require_all)
        # The rank window (ranking.RANK_WINDOW): only the most recently written matches are
        # ranked; FTS5 walks its rowids backwards to find where that window starts.
        window = (
            f"{table}.rowid >= COALESCE((SELECT rowid FROM {table} WHERE {table} MATCH %s"  # noqa: S608
            f" ORDER BY rowid DESC LIMIT 1 OFFSET {ranking.RANK_WINDOW - 1}), 0)"
        )
        return documents.extra(  # noqa: S610 - the query string is a bound parameter
            tables=[table],
            where=[f"{table}.rowid = search_searchdocument.id", f"{table} MATCH %s", window],
            params=[match, match],
            select={"score": _score(table)},
        )

    def optimise(self) -> None:
        with connection.cursor() as cursor:
            for table in ("search_fts", "search_fts_thread"):
                cursor.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")  # noqa: S608

    def check(self) -> None:
        with connection.cursor() as cursor:
            for table in ("search_fts", "search_fts_thread"):
                cursor.execute(
                    f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)"  # noqa: S608
                )


BACKEND = SQLiteBackend()
