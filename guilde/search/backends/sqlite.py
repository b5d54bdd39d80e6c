"""SQLite: an FTS5 table fed by triggers from the analysed columns, ranked with BM25.

The FTS5 table ``search_fts`` is an external-content table over ``search_searchdocument``
(migration 0002): inserting, updating the analysed columns of, or deleting a document
updates it in the same transaction, from the stored terms — a deletion never needs the
analyser. Its tokenizer only splits and lower-cases: the terms arrive stemmed and folded.
``search_fts_thread`` (threads only) and ``search_fts_recent`` (the most recent documents,
migration 0004, kept small by :meth:`SQLiteBackend.trim`) are fed the same way; ranking.py
says when a search ranks against each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import QuerySet

from guilde.search import analysis, ranking

if TYPE_CHECKING:
    from guilde.search.analysis import Query
    from guilde.search.index import Doc
    from guilde.search.models import SearchDocument


RECENT_TABLE = "search_fts_recent"
TABLES = ("search_fts", "search_fts_thread", RECENT_TABLE)
# The first document id in RECENT_TABLE (migration 0004; index.trim_recent moves it).
RECENT_FLOOR_KEY = "recent_floor"
RECENT_FLOOR = (
    "COALESCE((SELECT CAST(value AS INTEGER) FROM search_indexstate"  # noqa: S608
    f" WHERE key = '{RECENT_FLOOR_KEY}'), 0)"
)


# The recent table is trimmed by at least TRIM_MIN ids at a time, TRIM_BATCH per transaction.
TRIM_MIN = 1000
TRIM_BATCH = 20_000
_TERMS = "title_terms, tags_terms, body_terms"
_COMMAND = f"INSERT INTO {RECENT_TABLE}({RECENT_TABLE}) VALUES ('{{command}}')"  # noqa: S608


def _set_floor(cursor: Any, floor: int) -> None:
    cursor.execute(
        "INSERT INTO search_indexstate(key, value) VALUES (%s, %s)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [RECENT_FLOOR_KEY, str(floor)],
    )


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
        start, floor = self._window(table, match)
        if start is not None and start >= floor and not threads_only:
            # The whole rank window is among the recent documents: rank there, where
            # counting each word's documents (BM25's weights) reads short lists.
            table = RECENT_TABLE
        where = [f"{table}.rowid = search_searchdocument.id", f"{table} MATCH %s"]
        params: list[Any] = [match]
        if start is not None:
            where.append(f"{table}.rowid >= %s")
            params.append(start)
        return documents.extra(  # noqa: S610 - the query string is a bound parameter
            tables=[table], where=where, params=params, select={"score": _score(table)}
        )

    @staticmethod
    def _window(table: str, match: str) -> tuple[int | None, int]:
        """Where the rank window (ranking.RANK_WINDOW) starts, ``None`` when the query
        matches fewer documents (FTS5 walks its rowids backwards to find it); and the
        floor of the recent documents."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT (SELECT rowid FROM {table} WHERE {table} MATCH %s"  # noqa: S608
                f" ORDER BY rowid DESC LIMIT 1 OFFSET {ranking.RANK_WINDOW - 1}),"
                f" {RECENT_FLOOR}",
                [match],
            )
            start, floor = cursor.fetchone()
        return start, int(floor)

    def trim(self) -> int:
        """Keep about ``ranking.RECENT_DOCUMENTS`` documents in the recent table: move its
        floor up and take out what fell below it, in batches (each its own transaction),
        or, when more goes than stays, rebuild it from the documents above the new floor.
        Returns how far the floor moved (in ids)."""
        removed = 0
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {RECENT_FLOOR}, (SELECT max(id) FROM search_searchdocument)"  # noqa: S608
                )
                floor, top = (int(value or 0) for value in cursor.fetchone())
                target = top - ranking.RECENT_DOCUMENTS + 1
                if target - floor < TRIM_MIN:
                    return removed
                if target - floor > ranking.RECENT_DOCUMENTS:
                    _set_floor(cursor, target)
                    # 'rebuild' empties the index, then reads the view (above the new floor).
                    cursor.execute(_COMMAND.format(command="rebuild"))
                    return removed + target - floor
                upto = min(target, floor + TRIM_BATCH)
                cursor.execute(
                    f"INSERT INTO {RECENT_TABLE}({RECENT_TABLE}, rowid, {_TERMS})"  # noqa: S608
                    f" SELECT 'delete', id, {_TERMS} FROM search_searchdocument"
                    " WHERE id >= %s AND id < %s",
                    [floor, upto],
                )
                _set_floor(cursor, upto)
                removed += upto - floor

    def after_bulk_load(self) -> None:
        self.trim()

    def optimise(self) -> None:
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")  # noqa: S608

    def check(self) -> None:
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(
                    f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)"  # noqa: S608
                )


BACKEND = SQLiteBackend()
