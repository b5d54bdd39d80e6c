"""PostgreSQL: a weighted tsvector column kept by a trigger, GIN-indexed, ranked with
``ts_rank_cd``.

Migration 0002 creates the ``fr_unaccent`` and ``en_unaccent`` configurations (the French
and English Snowball stemmers after ``unaccent``), the ``search_vector`` column, its GIN
index and the trigger that fills it from the title (weight A), tags (B) and body (C) in the
document's language. A query word matches through either configuration, so French and
English queries find both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import QuerySet

from guilde.search import ranking

if TYPE_CHECKING:
    from guilde.search.analysis import Query
    from guilde.search.index import Doc
    from guilde.search.models import SearchDocument

_WORD = "(plainto_tsquery('en_unaccent', %s) || plainto_tsquery('fr_unaccent', %s))"
_SCORE = (
    "ts_rank_cd('{{{weights}}}'::float4[], search_searchdocument.search_vector, {query}, {norm})"
    " * search_searchdocument.boost"
    " * (1 + {recency} / (1 + EXTRACT(EPOCH FROM (now()"
    " - search_searchdocument.activity_at)) / 86400.0 / {days}))"
)


class PostgreSQLBackend:
    def analyse(self, doc: Doc) -> tuple[str, str, str]:
        return "", "", ""

    def match(
        self,
        documents: QuerySet[SearchDocument],
        query: Query,
        *,
        require_all: bool,
        threads_only: bool = False,
    ) -> QuerySet[SearchDocument]:
        # ts_rank_cd uses no collection statistics: ``threads_only`` changes nothing here.
        joiner = " && " if require_all else " || "
        tsquery = "(" + joiner.join([_WORD] * len(query.words)) + ")"
        params = [w for word in query.words for w in (word, word)]
        score = _SCORE.format(
            weights=",".join(str(w) for w in ranking.PG_WEIGHTS),
            query=tsquery,
            norm=ranking.PG_NORMALISATION,
            recency=ranking.RECENCY_WEIGHT,
            days=ranking.RECENCY_DAYS,
        )
        # The rank window (ranking.RANK_WINDOW): only the most recently written matches are
        # ranked (ts_rank_cd reads each match's whole vector).
        window = (
            "search_searchdocument.id >= COALESCE((SELECT w.id FROM search_searchdocument w"  # noqa: S608
            f" WHERE w.search_vector @@ {tsquery} ORDER BY w.id DESC"
            f" LIMIT 1 OFFSET {ranking.RANK_WINDOW - 1}), 0)"
        )
        return documents.extra(  # noqa: S610 - the words are bound parameters
            where=[f"search_searchdocument.search_vector @@ {tsquery}", window],
            params=params + params,
            select={"score": score},
            select_params=params,
        )

    def trim(self) -> int:
        # ts_rank_cd reads no collection statistics: nothing to keep small.
        return 0

    def after_bulk_load(self) -> None:
        # The planner's statistics (autovacuum would refresh them, later, when it runs):
        # without them it scans every match to find where the rank window starts.
        self.optimise()

    def optimise(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE search_searchdocument")

    def check(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM search_searchdocument WHERE search_vector IS NULL"
                " AND (title <> '' OR body <> '')"
            )
            (missing,) = cursor.fetchone()
        if missing:
            raise RuntimeError(f"{missing} search documents have no vector")


BACKEND = PostgreSQLBackend()
