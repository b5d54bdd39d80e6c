"""Whole instances for the tests that run ``guilde`` commands on a data folder and a
database of their own (backups, crash safety): not the test database, which the test's own
transaction holds."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from guilde.core.testing import ROOT, guilde_command


def environment(data: Path, url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "GUILDE_DATA_DIR": str(data),
        "DATABASE_URL": url,
        "PYTHONPATH": str(ROOT),
    }
    return env


def run(env: dict[str, str], *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        guilde_command(*command), env=env, cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def postgres(name: str) -> str:
    """The address of another database on the tests' PostgreSQL server."""
    return os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{name}"


def every_row(url: str) -> dict[str, list[str]]:
    """Every table's rows, as sorted text (FTS5 tables and their shadow tables included)."""
    rows: dict[str, list[str]] = {}
    if url.startswith("sqlite:///"):
        lite = sqlite3.connect(url.removeprefix("sqlite:///"))
        names = [n for (n,) in lite.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for name in names:
            rows[name] = sorted(map(repr, lite.execute(f'SELECT * FROM "{name}"')))  # noqa: S608
        lite.close()
        return rows
    import psycopg

    with psycopg.connect(url) as database:
        names = [n for (n,) in database.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )]  # fmt: skip
        for name in names:
            rows[name] = sorted(map(repr, database.execute(f'SELECT * FROM "{name}"')))  # noqa: S608
    return rows


@contextmanager
def own_database(folder: Path) -> Iterator[str]:
    """The address of a database of the tests' vendor for an instance in ``folder``: a
    SQLite file in it, or a PostgreSQL database made for it (dropped afterwards)."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        yield f"sqlite:///{folder / 'guilde.sqlite3'}"
        return
    import psycopg

    name = f"guilde_{folder.name}_{os.getpid()}".lower().replace("-", "_")
    admin = psycopg.connect(postgres("postgres"), autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield postgres(name)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@contextmanager
def fresh_instance(folder: Path, *, migrate: bool = True) -> Iterator[dict[str, str]]:
    """An empty instance of the tests' vendor in ``folder`` (its own database), migrated
    unless told not to, as the environment of its ``guilde`` commands."""
    folder.mkdir(parents=True, exist_ok=True)
    with own_database(folder) as url:
        env = environment(folder, url)
        if migrate:
            done = run(env, "migrate", "--noinput", "-v0")
            assert done.returncode == 0, done.stderr[-2000:]
        yield env
