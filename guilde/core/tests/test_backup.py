"""Backups that restore (issue 18, first part): a populated instance backed up and restored
into an empty one holds every row of every table and every file; tampered, newer and
foreign archives are refused before anything is touched."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from guilde.accounts.tests.factories import MemberFactory
from guilde.core import backup
from guilde.core.testing import ROOT, guilde_command


def _environment(data: Path, url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "GUILDE_DATA_DIR": str(data),
        "DATABASE_URL": url,
        "PYTHONPATH": str(ROOT),
    }
    return env


def _run(env: dict[str, str], *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        guilde_command(*command), env=env, cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def _postgres(name: str) -> str:
    """The address of another database on the tests' PostgreSQL server."""
    return os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{name}"


def _every_row(url: str) -> dict[str, list[str]]:
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


@pytest.fixture
def two_databases(tmp_path) -> Any:
    """A source and a target database of the tests' own vendor, outside the test database."""
    if connection.vendor == "sqlite":
        yield (f"sqlite:///{tmp_path / 'source' / 'guilde.sqlite3'}",
               f"sqlite:///{tmp_path / 'target' / 'guilde.sqlite3'}")  # fmt: skip
        return
    import psycopg

    names = [f"guilde_backup_{which}_{os.getpid()}" for which in ("source", "target")]
    admin = psycopg.connect(_postgres("postgres"), autocommit=True)
    for name in names:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield tuple(_postgres(name) for name in names)
    finally:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.mark.django_db
def test_a_populated_instance_restores_whole_into_an_empty_one(tmp_path, two_databases):
    source_url, target_url = two_databases
    source = _environment(tmp_path / "source", source_url)
    target = _environment(tmp_path / "target", target_url)
    for step in (("migrate", "--noinput", "-v0"), ("generate", "--preset", "small")):
        done = _run(source, *step)
        assert done.returncode == 0, done.stderr[-2000:]
    upload = tmp_path / "source" / "media" / "uploads" / "plan.webp"
    upload.parent.mkdir(parents=True)
    upload.write_bytes(b"RIFF\x00picture bytes")
    archive = tmp_path / "guilde.tar.gz"
    done = _run(source, "backup", str(archive))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "1 media files" in done.stdout
    done = _run(target, "restore", str(archive))
    assert done.returncode == 0, done.stderr[-2000:]
    before, after = _every_row(source_url), _every_row(target_url)
    assert sum(len(rows) for rows in before.values()) > 10_000
    assert before.keys() == after.keys()
    for table in before:
        assert before[table] == after[table], table
    restored = tmp_path / "target" / "media" / "uploads" / "plan.webp"
    assert restored.read_bytes() == upload.read_bytes()
    again = _run(target, "restore", str(archive))  # no longer empty
    assert again.returncode != 0
    assert "not empty" in again.stderr


def _rewritten(archive: Path, tmp_path: Path, *, manifest=None, member=None) -> Path:
    """A copy of ``archive`` with its manifest changed, or one member's bytes altered."""
    copy = tmp_path / "altered.tar.gz"
    with tarfile.open(archive, "r:gz") as source, tarfile.open(copy, "w:gz") as target:
        for info in source.getmembers():
            data = source.extractfile(info).read()  # type: ignore[union-attr]
            if info.name == backup.MANIFEST and manifest is not None:
                found = json.loads(data)
                manifest(found)
                data = json.dumps(found).encode()
            elif info.name == member:
                data = data[:100] + bytes([data[100] ^ 1]) + data[101:]
            info.size = len(data)
            target.addfile(info, io.BytesIO(data))
    return copy


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Any:
    """A backup of a freshly migrated instance of the tests' vendor, made by a child process
    (a backup of the test database itself would wait on the test's own transaction)."""
    folder = tmp_path_factory.mktemp("archive")
    path = folder / "guilde.tar.gz"
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        import psycopg

        name = f"guilde_backup_archive_{os.getpid()}"
        url = _postgres(name)
        admin = psycopg.connect(_postgres("postgres"), autocommit=True)
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    else:
        url, admin, name = f"sqlite:///{folder / 'guilde.sqlite3'}", None, ""
    env = _environment(folder, url)
    try:
        for step in (("migrate", "--noinput", "-v0"), ("backup", str(path))):
            done = _run(env, *step)
            assert done.returncode == 0, done.stderr[-2000:]
        yield path
    finally:
        if admin is not None:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()


@pytest.mark.django_db
def test_a_tampered_archive_is_refused(archive, tmp_path):
    with tarfile.open(archive) as opened:
        listed = json.loads(opened.extractfile(backup.MANIFEST).read())["files"]  # type: ignore[union-attr]
    database = next(name for name in listed if name.startswith("database."))
    with pytest.raises(CommandError, match="does not match its checksum"):
        call_command("restore", str(_rewritten(archive, tmp_path, member=database)))


@pytest.mark.django_db
def test_an_archive_of_a_newer_schema_or_format_is_refused(archive, tmp_path):
    def newer_schema(manifest):
        manifest["migrations"]["accounts"].append("9999_from_the_future")
        manifest["guilde"] = "9.0.0"

    with pytest.raises(
        CommandError, match=r"newer than this Guilde .*accounts.9999_from_the_future.*Guilde 9.0.0"
    ):
        call_command("restore", str(_rewritten(archive, tmp_path, manifest=newer_schema)))

    def newer_format(manifest):
        manifest["format"] = backup.FORMAT + 1

    with pytest.raises(CommandError, match="made by a newer Guilde"):
        call_command("restore", str(_rewritten(archive, tmp_path, manifest=newer_format)))


@pytest.mark.django_db
def test_another_vendor_a_stranger_file_and_a_busy_instance_are_refused(archive, tmp_path):
    def other_vendor(manifest):
        manifest["database"] = "oracle"

    with pytest.raises(CommandError, match="holds a oracle database"):
        call_command("restore", str(_rewritten(archive, tmp_path, manifest=other_vendor)))
    stranger = tmp_path / "notes.tar.gz"
    stranger.write_bytes(b"not an archive")
    with pytest.raises(CommandError, match="cannot be read as a Guilde backup"):
        call_command("restore", str(stranger))
    MemberFactory.create()
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive))
