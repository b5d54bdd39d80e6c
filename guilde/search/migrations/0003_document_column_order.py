"""Search documents' columns in the order a search reads them (SQLite).

A search reads, for each of up to ``ranking.RANK_WINDOW`` matches, the document's audience,
community and author (the permission filter) and its boost and last activity (the score).
SQLite stores a row's columns in table order and a long row's tail on overflow pages:
with these columns after the text, every match walked its body to reach them. This
migration rebuilds the table with them first and the text last, keeping every row's id
(so the FTS5 tables, which point at ids, stay valid) and putting back the view and the
triggers of migration 0002 that a rebuild drops. PostgreSQL keeps long values out of line
(TOAST): its table is left as it is; only the recorded field order changes.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.db import migrations

BACKENDS = importlib.import_module("guilde.search.migrations.0002_backends")

ORDER = (
    "id",
    "kind",
    "audience",
    "community",
    "author",
    "thread_id",
    "subtype",
    "status",
    "language",
    "boost",
    "created_at",
    "activity_at",
    "indexed_at",
    "object_key",
    "url",
    "title",
    "context",
    "tags",
    "title_terms",
    "tags_terms",
    "body",
    "body_terms",
)
MODEL = "searchdocument"

# What a table rebuild would break: the triggers (dropped with the old table) and the view
# (SQLite refuses to rename a table while a view names a missing one). The FTS5 tables stay.
_FEEDS = [
    statement
    for statement in BACKENDS.SQLITE
    if statement.startswith(("CREATE TRIGGER", "CREATE VIEW"))
]
_UNFEED = [
    statement
    for statement in BACKENDS.SQLITE_REVERSE
    if statement.startswith(("DROP TRIGGER", "DROP VIEW"))
]


class ReorderFields(migrations.operations.base.Operation):
    """Record ``order`` as the model's field order and, on SQLite, rebuild its table so."""

    reversible = True

    def __init__(self, model_name: str, order: tuple[str, ...]) -> None:
        self.model_name = model_name
        self.order = order

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return self.__class__.__name__, [self.model_name, self.order], {}

    def state_forwards(self, app_label: str, state: Any) -> None:
        model_state = state.models[app_label, self.model_name]
        fields = model_state.fields
        ordered = [name for name in self.order if name in fields]
        ordered += [name for name in fields if name not in ordered]
        model_state.fields = {name: fields[name] for name in ordered}
        state.reload_model(app_label, self.model_name, delay=True)

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        self._rebuild(schema_editor, to_state.apps.get_model(app_label, self.model_name))

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        self._rebuild(schema_editor, to_state.apps.get_model(app_label, self.model_name))

    def _rebuild(self, schema_editor: Any, model: Any) -> None:
        if schema_editor.connection.vendor != "sqlite":
            return
        for statement in _UNFEED:
            schema_editor.execute(statement, params=None)
        # Django's own SQLite rebuild: a new table with the columns in the model's (new)
        # field order, rows copied with their ids, indexes and constraints made again.
        schema_editor._remake_table(model)
        for statement in _FEEDS:
            schema_editor.execute(statement, params=None)

    def describe(self) -> str:
        return f"Reorder the fields of {self.model_name}"


class Migration(migrations.Migration):
    dependencies = [("search", "0002_backends")]

    operations = [ReorderFields(MODEL, ORDER)]
