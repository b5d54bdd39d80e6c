"""SQLite: a third FTS5 table over the most recently written documents only.

BM25 weighs each query word by how many documents hold it, and FTS5 counts them by reading
the word's whole list of documents, once per query: for a word found in half of a million
documents that count costs more than ranking the 2,000 documents of the rank window. A
search whose rank window lies among the recent documents (nearly every broad search) ranks
against ``search_fts_recent`` instead, where those lists are short
(``guilde.search.ranking`` explains the choice, ``index.trim_recent`` keeps the table
small).

The table is an external-content table over a view of the documents whose id is at or
above the floor kept in ``search_indexstate`` (key ``recent_floor``, 0 when missing), so
``integrity-check`` compares it with exactly those documents; triggers feed it like the
other two, for documents at or above the floor. PostgreSQL needs none of this (its
``ts_rank_cd`` uses no collection statistics).
"""

from __future__ import annotations

import importlib

from django.db import migrations

BACKENDS = importlib.import_module("guilde.search.migrations.0002_backends")

FLOOR = (
    "COALESCE((SELECT CAST(value AS INTEGER) FROM search_indexstate WHERE key = 'recent_floor'), 0)"
)

SQLITE = [
    "CREATE VIEW search_recent_document AS SELECT id, title_terms, tags_terms, body_terms"  # noqa: S608
    f" FROM search_searchdocument WHERE id >= {FLOOR}",
    BACKENDS._FTS.format(table="search_fts_recent", content="search_recent_document"),
    *BACKENDS._feed("search_fts_recent", f"WHEN new.id >= {FLOOR}", f"WHEN old.id >= {FLOOR}"),
    # Every document is recent until the worker first moves the floor up.
    "INSERT INTO search_fts_recent(search_fts_recent) VALUES ('rebuild')",
]
SQLITE_REVERSE = [
    *[f"DROP TRIGGER IF EXISTS search_fts_recent_{s}" for s in ("ai", "ad", "au_old", "au_new")],
    "DROP TABLE IF EXISTS search_fts_recent",
    "DROP VIEW IF EXISTS search_recent_document",
    "DELETE FROM search_indexstate WHERE key = 'recent_floor'",
]


def _run(statements: list[str]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0003_document_column_order")]

    operations = [migrations.RunPython(_run(SQLITE), _run(SQLITE_REVERSE))]
