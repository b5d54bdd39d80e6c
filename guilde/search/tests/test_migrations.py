"""Migration 0003 rebuilds the SQLite table with the columns a search reads first; the
documents, their FTS5 entries and the triggers that feed FTS5 survive it both ways."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.discussions import services
from guilde.search.backends import backend
from guilde.search.models import SearchDocument
from guilde.search.selectors import SearchParams, search

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's table layout")


def _columns() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pragma_table_info('search_searchdocument')")
        return [name for (name,) in cursor.fetchall()]


def _found(q: str) -> list[str]:
    page = search(viewer=AnonymousUser(), params=SearchParams(q=q))
    return [r.key for r in page.results]


@sqlite_only
@pytest.mark.django_db
def test_the_columns_every_match_reads_come_before_the_text() -> None:
    columns = _columns()
    assert columns == [field.column for field in SearchDocument._meta.concrete_fields]
    text = min(columns.index(name) for name in ("title", "body", "title_terms", "body_terms"))
    for read_per_match in ("kind", "audience", "community_id", "author_id", "boost"):
        assert columns.index(read_per_match) < text
    assert columns.index("activity_at") < text


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_the_rebuild_keeps_documents_and_triggers_both_ways() -> None:
    community = CommunityFactory.create()
    thread = services.thread_create(
        actor=member_of(community),
        community=community,
        kind="question",
        title="Zqmigrate wort",
        body="before",
    )
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("search", "0002_backends")])
        assert _columns().index("body") < _columns().index("community_id")
        executor.loader.build_graph()
        executor.migrate([("search", "0003_document_column_order")])
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert _found("zqmigrate") == [str(thread.pk)]
    # The triggers are back: a new reply and an edited title reach FTS5.
    reply = services.post_create(actor=member_of(community), thread=thread, body="zqafterwards")
    assert _found("zqafterwards") == [str(reply.pk)]
    backend().check()
