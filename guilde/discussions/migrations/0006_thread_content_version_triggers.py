"""Database triggers that bump ``Thread.content_version`` whenever something a thread's page
shows changes in another table — whatever wrote it: a service, a bulk import, the admin, a
raw query. The visitors' page cache keys on that version (see guilde/discussions/page_cache.py).

Each entry: a name, a table, the columns whose update matters (``None``: any insert, update
or delete), and a query of the thread ids concerned, with ``{row}`` for NEW or OLD.
"""

from django.db import migrations

BUMP = "UPDATE discussions_thread SET content_version = content_version + 1 WHERE id IN ({ids})"

TRIGGERS = [
    ("post", "discussions_post", None, "SELECT {row}.thread_id"),
    (
        "reaction",
        "discussions_reaction",
        None,
        "SELECT thread_id FROM discussions_post WHERE id = {row}.post_id",
    ),
    (
        "comment",
        "discussions_comment",
        None,
        "SELECT thread_id FROM discussions_post WHERE id = {row}.post_id",
    ),
    ("thread_tag", "discussions_thread_tags", None, "SELECT {row}.thread_id"),
    ("link", "discussions_threadlink", None, "SELECT {row}.source_id UNION SELECT {row}.target_id"),
    ("article", "knowledge_article", None, "SELECT {row}.source_thread_id"),
    (
        "member",
        "accounts_user",
        ["username", "display_name", "avatar", "field_visibility", "deleted_at"],
        "SELECT thread_id FROM discussions_post WHERE author_id = {row}.id"
        " UNION SELECT p.thread_id FROM discussions_comment c"
        " JOIN discussions_post p ON p.id = c.post_id WHERE c.author_id = {row}.id",
    ),
    (
        "linked",
        "discussions_thread",
        ["title", "hidden_at", "deleted_at", "community_id"],
        "SELECT source_id FROM discussions_threadlink WHERE target_id = {row}.id"
        " UNION SELECT target_id FROM discussions_threadlink WHERE source_id = {row}.id",
    ),
    (
        "community",
        "communities_community",
        ["name", "slug", "visibility", "status"],
        "SELECT l.source_id FROM discussions_threadlink l"
        " JOIN discussions_thread t ON t.id = l.target_id WHERE t.community_id = {row}.id"
        " UNION SELECT l.target_id FROM discussions_threadlink l"
        " JOIN discussions_thread t ON t.id = l.source_id WHERE t.community_id = {row}.id",
    ),
    (
        "tag",
        "communities_tag",
        ["name", "slug"],
        "SELECT thread_id FROM discussions_thread_tags WHERE tag_id = {row}.id",
    ),
]


def _sqlite(name, table, columns, ids):
    new = BUMP.format(ids=ids.format(row="NEW"))
    old = BUMP.format(ids=ids.format(row="OLD"))
    if columns:
        yield f"CREATE TRIGGER guilde_tv_{name} AFTER UPDATE OF {', '.join(columns)} ON {table} BEGIN {new}; END"
        return
    yield f"CREATE TRIGGER guilde_tv_{name}_ins AFTER INSERT ON {table} BEGIN {new}; END"
    yield f"CREATE TRIGGER guilde_tv_{name}_upd AFTER UPDATE ON {table} BEGIN {new}; {old}; END"
    yield f"CREATE TRIGGER guilde_tv_{name}_del AFTER DELETE ON {table} BEGIN {old}; END"


def _postgresql(name, table, columns, ids):
    new = BUMP.format(ids=ids.format(row="NEW"))
    old = BUMP.format(ids=ids.format(row="OLD"))
    yield (
        f"CREATE FUNCTION guilde_tv_{name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {new}; END IF; "
        f"IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND {not bool(columns)}) THEN {old}; END IF; "
        "RETURN NULL; END $$"
    )
    events = f"UPDATE OF {', '.join(columns)}" if columns else "INSERT OR UPDATE OR DELETE"
    yield (
        f"CREATE TRIGGER guilde_tv_{name} AFTER {events} ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION guilde_tv_{name}()"
    )


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    make = {"sqlite": _sqlite, "postgresql": _postgresql}.get(vendor)
    if make is None:
        raise RuntimeError(f"No content-version triggers for {vendor}")
    for trigger in TRIGGERS:
        for statement in make(*trigger):
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name, table, columns, _ids in TRIGGERS:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS guilde_tv_{name} ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS guilde_tv_{name}()")
        else:
            for suffix in [""] if columns else ["_ins", "_upd", "_del"]:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS guilde_tv_{name}{suffix}")


class Migration(migrations.Migration):
    dependencies = [
        ("discussions", "0005_thread_content_version"),
        ("knowledge", "0002_article_source_thread_partial_index"),
        ("accounts", "0003_member_silence"),
        ("communities", "0003_knowledge_settings"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
