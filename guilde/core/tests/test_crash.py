"""Crash safety (issue 18): ``guilde serve`` and ``guilde worker`` are killed with SIGKILL
while writes are in flight, while an import is in the middle of its batches, and while tasks
are running; then restarted. Nothing acknowledged is lost, the database and its search index
are intact, every task runs, and nobody is told twice.

The instance under test has its own data folder and database (SQLite file, or a PostgreSQL
database of its own), written by child processes only; the test reads it directly.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import tarfile
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import pytest

from guilde.core.testing import wait_until
from guilde.core.tests.instances import every_row, fresh_instance, own_database, run
from guilde.core.tests.write_load import (
    CLIENTS,
    LOAD_SETTINGS,
    Instance,
    Ledger,
    seed,
    start_clients,
)

pytestmark = pytest.mark.django_db


QUESTIONS, ANSWERS_EACH = 1500, 2


# The instance's database, read from the test ---------------------------------------------


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite = url.startswith("sqlite:///")

    @contextmanager
    def connect(self) -> Iterator[Any]:
        if self.sqlite:
            lite = sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=30)
            try:
                yield lite
            finally:
                lite.close()
            return
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as database:
            yield database

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if not self.sqlite:
            sql = sql.replace("?", "%s")
        with self.connect() as database:
            return list(database.execute(sql, params).fetchall())

    def value(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return self.rows(sql, params)[0][0]


def _write_dump(folder: Path) -> Path:
    """A Stack Exchange dump of QUESTIONS questions with ANSWERS_EACH answers each."""
    folder.mkdir(parents=True)
    users = "".join(
        f'<row Id="{n}" CreationDate="2020-01-01T00:00:00.000" DisplayName="Brewer {n}" />'
        for n in range(1, 51)
    )
    posts, votes, number = [], [], 0
    for q in range(QUESTIONS):
        number += 1
        question = number
        posts.append(
            f'<row Id="{question}" PostTypeId="1" CreationDate="2020-02-01T10:00:00.000" '
            f'Score="1" Body={quoteattr(f"<p>Question {q} about yeast and hops</p>")} '
            f'OwnerUserId="{q % 50 + 1}" Title="Question {q} about brewing" Tags="&lt;hops&gt;" />'
        )
        votes.append(
            f'<row Id="{question}" PostId="{question}" VoteTypeId="2" '
            'CreationDate="2020-02-02T00:00:00.000" />'
        )
        for a in range(ANSWERS_EACH):
            number += 1
            posts.append(
                f'<row Id="{number}" PostTypeId="2" ParentId="{question}" '
                f'CreationDate="2020-02-01T11:00:00.000" Score="0" '
                f"Body={quoteattr(f'<p>Answer {a} to question {q}</p>')} "
                f'OwnerUserId="{(q + a + 1) % 50 + 1}" />'
            )
    files = {
        "Users": f"<users>{users}</users>",
        "Tags": '<tags><row Id="1" TagName="hops" Count="1" /></tags>',
        "Posts": "<posts>" + "\n".join(posts) + "</posts>",
        "PostHistory": "<posthistory></posthistory>",
        "Comments": "<comments></comments>",
        "Votes": "<votes>" + "\n".join(votes) + "</votes>",
        "PostLinks": "<postlinks></postlinks>",
        "Badges": "<badges></badges>",
    }
    for name, text in files.items():
        (folder / f"{name}.xml").write_text(
            f'<?xml version="1.0" encoding="utf-8"?>\n{text}\n', encoding="utf-8"
        )
    return folder


def _queue(database: Database) -> dict[str, int]:
    return dict(
        database.rows(
            "SELECT status, COUNT(*) FROM django_tasks_database_dbtaskresult GROUP BY status"
        )
    )


def _integrity(database: Database) -> None:
    if database.sqlite:
        assert database.rows("PRAGMA integrity_check") == [("ok",)]
        assert database.rows("PRAGMA foreign_key_check") == []
        tables = [
            name
            for (name,) in database.rows(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%USING fts5%'"
            )
        ]
        assert tables
        with database.connect() as lite:
            for table in tables:
                # Raises sqlite3.DatabaseError ("database disk image is malformed") when
                # the full-text index and its content disagree.
                check = f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)"  # noqa: S608
                lite.execute(check)  # table names from sqlite_master
        return
    with database.connect() as pg:
        pg.execute("CREATE EXTENSION IF NOT EXISTS amcheck")
        indexes = pg.execute(
            "SELECT c.oid::regclass::text FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam"
            " WHERE a.amname = 'btree' AND c.relnamespace = 'public'::regnamespace"
        ).fetchall()
        assert indexes
        for (index,) in indexes:
            pg.execute("SELECT bt_index_check(%s::regclass, true)", (index,))


def _settled(history: list[list[Any]], final: Any, initial: Any) -> bool:
    """Whether ``final`` is what the last acknowledged write left, or a write sent after it
    whose answer was lost in a crash."""
    acknowledged = [n for n, (_value, ok) in enumerate(history) if ok]
    start = acknowledged[-1] if acknowledged else -1
    allowed = {value for value, _ok in history[start + 1 :]}
    allowed.add(history[start][0] if start >= 0 else initial)
    return final in allowed


def test_sigkill_at_three_points_loses_nothing_acknowledged(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    dump = _write_dump(tmp_path / "beer.stackexchange.com")
    with fresh_instance(tmp_path / "instance") as env:
        env.update(LOAD_SETTINGS)
        database = Database(env["DATABASE_URL"])
        world = seed(env)
        instance = Instance(env, logs)
        ledger, stop = Ledger(), threading.Event()
        instance.start()
        clients = start_clients(instance, world, ledger, stop)
        importing: subprocess.Popen[bytes] | None = None
        kills: list[str] = []
        try:
            # 1. Writes in flight: the clients are mid-request when everything dies.
            goal = ledger.acknowledged() + 40
            assert wait_until(lambda: ledger.acknowledged() >= goal, timeout=120), (
                ledger.statuses,
                instance.log_tail(),
            )
            instance.kill()
            kills.append("writes in flight")
            # 2. An import in the middle of its batches (with the writes going on).
            instance.start()
            importing = instance.spawn("import", "import-stackexchange", str(dump), "--quiet")
            assert wait_until(
                lambda: database.value("SELECT COUNT(*) FROM importers_importedobject") > 1000,
                timeout=300,
                interval=0.05,
            ), instance.log_tail()
            assert importing.poll() is None, "the import finished before it could be killed"
            instance.kill(importing)
            kills.append("import in the middle")
            # 3. Tasks running in the worker (the writes' notifications and indexing, and
            # the half import's): the worker dies in the middle of one.
            instance.start()
            assert wait_until(
                lambda: _queue(database).get("RUNNING", 0) > 0, timeout=120, interval=0.02
            ), (_queue(database), instance.log_tail())
            instance.kill()
            kills.append("tasks running")
            # Back up; the import, run again, resumes; the writes go on a little.
            instance.start()
            resumed = run(env, "import-stackexchange", str(dump), "--quiet")
            assert resumed.returncode == 0, resumed.stderr[-3000:]
            goal = ledger.acknowledged() + 20
            assert wait_until(lambda: ledger.acknowledged() >= goal, timeout=120)
        except BaseException:
            instance.kill(importing)  # leave no process behind a failure
            raise
        finally:
            stop.set()
            for client in clients:
                client.join(timeout=60)
        # Every task runs, once the dead workers' heartbeats are stale.
        try:
            drained = wait_until(
                lambda: (
                    set(_queue(database)) <= {"SUCCESSFUL", "FAILED"}
                    and database.value(
                        "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult"
                        " WHERE status = 'READY'"
                    )
                    == 0
                ),
                timeout=240,
                interval=0.5,
            )
        finally:
            instance.stop()
        assert drained, (_queue(database), instance.log_tail())
        assert len(kills) == 3

        _integrity(database)
        # No request failed otherwise than by meeting a dead server.
        assert set(ledger.statuses) <= {"2xx", "no answer"}, ledger.statuses
        # Every acknowledged answer is there, as written, and searchable.
        assert len(ledger.posts) > 50
        ids = list(ledger.posts)
        marks = ",".join("?" * len(ids))
        found = dict(
            database.rows(
                f"SELECT id, body FROM discussions_post WHERE id IN ({marks})",  # noqa: S608
                tuple(ids),
            )
        )
        assert found == {pk: body for pk, (_thread, body) in ledger.posts.items()}
        indexed = {
            int(key)
            for (key,) in database.rows(
                "SELECT object_key FROM search_searchdocument WHERE kind = 'post'"
            )
        }
        assert set(ids) <= indexed
        # Every acknowledged revision, and each vote and answer to an event as last
        # acknowledged (or as sent after it, when the answer was lost with the server).
        revised = set(database.rows("SELECT article_id, body FROM knowledge_articlerevision"))
        assert set(ledger.revisions) <= revised
        votes = {
            (member, post): value
            for member, post, value in database.rows(
                "SELECT member_id, post_id, value FROM discussions_vote"
            )
        }
        for key, history in ledger.votes.items():
            assert _settled(history, votes.get(key, 0), 0), (key, history, votes.get(key))
        rsvps = {
            (member, event): response
            for member, event, response in database.rows(
                "SELECT member_id, event_id, response FROM events_registration"
            )
        }
        for key, history in ledger.rsvps.items():
            assert _settled(history, rsvps.get(key), None), (key, history, rsvps.get(key))
        # Scores are the sum of their votes (written in the vote's transaction).
        assert (
            database.rows(
                "SELECT p.id FROM discussions_post p LEFT JOIN discussions_vote v"
                " ON v.post_id = p.id GROUP BY p.id, p.score"
                " HAVING p.score <> COALESCE(SUM(v.value), 0)"
            )
            == []
        )
        # No task lost: each acknowledged answer to someone else's question told its asker,
        # once; and nobody was told twice about anything.
        askers = {c["thread"]: c["member"] for c in world["clients"]}
        told = Counter(
            database.rows(
                "SELECT recipient_id, post_id FROM notifications_notification WHERE kind = 'answer'"
            )
        )
        for pk, (thread, _body) in ledger.posts.items():
            author = int(_body.split("-")[1])
            if askers[thread] != author:
                assert told[(askers[thread], pk)] == 1, (pk, thread)
        assert (
            database.rows(
                "SELECT recipient_id, kind, post_id FROM notifications_notification"
                " WHERE post_id IS NOT NULL AND batch_key = ''"
                " GROUP BY recipient_id, kind, post_id HAVING COUNT(*) > 1"
            )
            == []
        )
        assert _queue(database).get("FAILED", 0) == 0, database.rows(
            "SELECT task_path, exception_class_path FROM django_tasks_database_dbtaskresult"
            " WHERE status = 'FAILED'"
        )
        # The import killed in the middle and run again: each question and answer once.
        community = database.value(
            "SELECT id FROM communities_community WHERE slug <> ?", (world["community"],)
        )
        assert (
            database.value(
                "SELECT COUNT(*) FROM discussions_thread WHERE community_id = ?", (community,)
            )
            == QUESTIONS
        )
        assert database.value(
            "SELECT COUNT(*) FROM discussions_post p JOIN discussions_thread t"
            " ON t.id = p.thread_id WHERE t.community_id = ?",
            (community,),
        ) == QUESTIONS * (1 + ANSWERS_EACH)


def test_a_backup_made_during_writes_restores_whole(tmp_path: Path) -> None:
    """The restore drill: back a populated instance up while clients write to it, restore
    into an empty instance, compare every table and every file."""
    logs = tmp_path / "logs"
    logs.mkdir()
    archive = tmp_path / "drill.tar.gz"
    with fresh_instance(tmp_path / "source") as env:
        env.update(LOAD_SETTINGS)
        world = seed(env)
        files = {
            "uploads/2026/11/plan.webp": b"RIFF\x00\x00picture",
            "avatars/writer0.png": bytes(range(256)) * 8,
            "logos/crash.svg": b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        }
        for name, data in files.items():
            path = tmp_path / "source" / "media" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        instance = Instance(env, logs)
        ledger, stop = Ledger(), threading.Event()
        instance.start()
        clients = start_clients(instance, world, ledger, stop)
        try:
            assert wait_until(lambda: ledger.acknowledged() >= 30, timeout=120), ledger.statuses
            with ledger.lock:
                before = dict(ledger.posts)
            started = ledger.acknowledged()
            done = run(env, "backup", str(archive))
            assert done.returncode == 0, done.stderr[-3000:]
            assert ledger.acknowledged() > started + 5  # the clients wrote all along
            goal = ledger.acknowledged() + 10
            assert wait_until(lambda: ledger.acknowledged() >= goal, timeout=60)
        finally:
            stop.set()
            for client in clients:
                client.join(timeout=60)
            instance.stop()
        assert set(ledger.statuses) <= {"2xx"}, ledger.statuses
    with fresh_instance(tmp_path / "target", migrate=False) as target:
        done = run(target, "restore", str(archive))
        assert done.returncode == 0, done.stderr[-3000:]
        restored = Database(target["DATABASE_URL"])
        _integrity(restored)
        # A consistent snapshot: every answer acknowledged before the backup began is in
        # it, scores agree with votes, and (below) it is the archive's database, whole.
        ids = ",".join(str(pk) for pk in before)
        assert set(restored.rows(f"SELECT id, body FROM discussions_post WHERE id IN ({ids})")) == {  # noqa: S608
            (pk, body) for pk, (_thread, body) in before.items()
        }
        assert (
            restored.rows(
                "SELECT p.id FROM discussions_post p LEFT JOIN discussions_vote v"
                " ON v.post_id = p.id GROUP BY p.id, p.score"
                " HAVING p.score <> COALESCE(SUM(v.value), 0)"
            )
            == []
        )
        with tarfile.open(archive, "r:gz") as made:
            manifest = json.loads(made.extractfile("manifest.json").read())  # type: ignore[union-attr]
            made.extractall(tmp_path / "archive", filter="data")
        with own_database(tmp_path / "archive") as copy:
            if restored.sqlite:
                copy = f"sqlite:///{tmp_path / 'archive' / 'database.sqlite3'}"
            else:
                subprocess.run(  # the dump, put back by pg_restore alone, as the reference
                    ["pg_restore", "--no-owner", "--no-privileges", "--dbname", copy,
                     str(tmp_path / "archive" / "database.pgdump")],
                    check=True, capture_output=True,
                )  # fmt: skip
            expected, actual = every_row(copy), every_row(target["DATABASE_URL"])
        assert expected.keys() == actual.keys()
        for table in expected:
            assert expected[table] == actual[table], table
        assert len(actual) > 50  # every table of the schema
        assert len(actual["discussions_post"]) >= len(before) + CLIENTS  # with the openings
        for name, data in files.items():
            assert (tmp_path / "target" / "media" / name).read_bytes() == data
        assert {n for n in manifest["files"] if n.startswith("media/")} == {
            f"media/{name}" for name in files
        }
