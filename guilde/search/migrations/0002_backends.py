"""The database side of the search index: an FTS5 table and its triggers on SQLite; text
search configurations, a weighted tsvector column, its trigger and GIN index on PostgreSQL.

A later migration that makes Django rebuild ``search_searchdocument`` on SQLite (most
``AlterField``s do) drops these triggers: it must run this migration's SQLite statements
again.
"""

from django.db import migrations

_FTS = (
    "CREATE VIRTUAL TABLE {table} USING fts5("
    "title_terms, tags_terms, body_terms, content='{content}', content_rowid='id',"
    " tokenize='unicode61 remove_diacritics 2')"
)
_COLUMNS = "title_terms, tags_terms, body_terms"
_NEW = "new.title_terms, new.tags_terms, new.body_terms"
_OLD = "old.title_terms, old.tags_terms, old.body_terms"


def _feed(table: str, when_new: str = "", when_old: str = "") -> list[str]:
    """Triggers that keep ``table`` in step with the documents (``when``: which ones)."""
    # Constant table names only (no input reaches these statements).
    insert = f"INSERT INTO {table}(rowid, {_COLUMNS}) VALUES (new.id, {_NEW});"  # noqa: S608
    delete = (
        f"INSERT INTO {table}({table}, rowid, {_COLUMNS})"  # noqa: S608
        f" VALUES ('delete', old.id, {_OLD});"
    )
    return [
        f"CREATE TRIGGER {table}_ai AFTER INSERT ON search_searchdocument {when_new}"
        f" BEGIN {insert} END",
        f"CREATE TRIGGER {table}_ad AFTER DELETE ON search_searchdocument {when_old}"
        f" BEGIN {delete} END",
        f"CREATE TRIGGER {table}_au_old AFTER UPDATE OF {_COLUMNS}, kind"
        f" ON search_searchdocument {when_old} BEGIN {delete} END",
        f"CREATE TRIGGER {table}_au_new AFTER UPDATE OF {_COLUMNS}, kind"
        f" ON search_searchdocument {when_new} BEGIN {insert} END",
    ]


# Every document in search_fts; threads also in search_fts_thread, so that a search over
# threads only ranks with statistics (BM25's document frequencies and average lengths) of
# threads, not of replies (ranking.py explains why).
SQLITE = [
    _FTS.format(table="search_fts", content="search_searchdocument"),
    *_feed("search_fts"),
    "CREATE VIEW search_thread_document AS SELECT id, title_terms, tags_terms, body_terms"
    " FROM search_searchdocument WHERE kind = 'thread'",
    _FTS.format(table="search_fts_thread", content="search_thread_document"),
    *_feed("search_fts_thread", "WHEN new.kind = 'thread'", "WHEN old.kind = 'thread'"),
]
SQLITE_REVERSE = [
    *[
        f"DROP TRIGGER IF EXISTS {table}_{suffix}"
        for table in ("search_fts", "search_fts_thread")
        for suffix in ("ai", "ad", "au_old", "au_new")
    ],
    "DROP TABLE IF EXISTS search_fts_thread",
    "DROP VIEW IF EXISTS search_thread_document",
    "DROP TABLE IF EXISTS search_fts",
]

_CONFIGURATION = """
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = '{name}') THEN
    CREATE TEXT SEARCH CONFIGURATION {name} (COPY = {base});
    ALTER TEXT SEARCH CONFIGURATION {name}
      ALTER MAPPING FOR hword, hword_part, word WITH unaccent, {base}_stem;
  END IF;
END $$
"""
POSTGRESQL = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    _CONFIGURATION.format(name="fr_unaccent", base="french"),
    _CONFIGURATION.format(name="en_unaccent", base="english"),
    "ALTER TABLE search_searchdocument ADD COLUMN search_vector tsvector",
    """
CREATE FUNCTION search_document_vector() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  config regconfig := CASE NEW.language WHEN 'fr' THEN 'fr_unaccent'::regconfig
                                        ELSE 'en_unaccent'::regconfig END;
BEGIN
  NEW.search_vector :=
    setweight(to_tsvector(config, coalesce(NEW.title, '')), 'A')
    || setweight(to_tsvector(config, coalesce(NEW.tags, '')), 'B')
    || setweight(to_tsvector(config, coalesce(NEW.body, '')), 'C');
  RETURN NEW;
END $$
""",
    "CREATE TRIGGER search_document_vector BEFORE INSERT OR UPDATE OF title, tags, body, language"
    " ON search_searchdocument FOR EACH ROW EXECUTE FUNCTION search_document_vector()",
    "CREATE INDEX search_doc_vector_idx ON search_searchdocument USING gin (search_vector)",
]
POSTGRESQL_REVERSE = [
    "DROP INDEX IF EXISTS search_doc_vector_idx",
    "DROP TRIGGER IF EXISTS search_document_vector ON search_searchdocument",
    "DROP FUNCTION IF EXISTS search_document_vector()",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS search_vector",
]


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}),
        )
    ]
