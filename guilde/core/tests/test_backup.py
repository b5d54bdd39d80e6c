"""Backups that restore (issue 18, first part): a populated instance backed up and restored
into an empty one holds every row of every table and every file; tampered, newer and
foreign archives are refused before anything is touched."""

from __future__ import annotations

import io
import json
import os
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from guilde.accounts.tests.factories import MemberFactory
from guilde.core import backup
from guilde.core.testing import guilde_command, running, wait_until
from guilde.core.tests.instances import (
    environment,
    every_row,
    fresh_instance,
    own_database,
    run,
)


@pytest.fixture
def two_databases(tmp_path) -> Any:
    """A source and a target database of the tests' own vendor, outside the test database."""
    with own_database(tmp_path / "source") as source, own_database(tmp_path / "target") as target:
        yield source, target


@pytest.mark.django_db
def test_a_populated_instance_restores_whole_into_an_empty_one(tmp_path, two_databases):
    source_url, target_url = two_databases
    source = environment(tmp_path / "source", source_url)
    target = environment(tmp_path / "target", target_url)
    for step in (("migrate", "--noinput", "-v0"), ("generate", "--preset", "small")):
        done = run(source, *step)
        assert done.returncode == 0, done.stderr[-2000:]
    upload = tmp_path / "source" / "media" / "uploads" / "plan.webp"
    upload.parent.mkdir(parents=True)
    upload.write_bytes(b"RIFF\x00picture bytes")
    archive = tmp_path / "guilde.tar.gz"
    done = run(source, "backup", str(archive))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "1 media files" in done.stdout
    done = run(target, "restore", str(archive))
    assert done.returncode == 0, done.stderr[-2000:]
    before, after = every_row(source_url), every_row(target_url)
    assert sum(len(rows) for rows in before.values()) > 10_000
    assert before.keys() == after.keys()
    for table in before:
        assert before[table] == after[table], table
    restored = tmp_path / "target" / "media" / "uploads" / "plan.webp"
    assert restored.read_bytes() == upload.read_bytes()
    again = run(target, "restore", str(archive))  # no longer empty
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
    with fresh_instance(folder) as env:
        done = run(env, "backup", str(path))
        assert done.returncode == 0, done.stderr[-2000:]
        yield path


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


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_retention_keeps_the_newest_backup_of_each_recent_day_and_week():
    # Two backups a day from Monday 2026-11-02 to Friday 2026-11-27 (ISO weeks 45 to 48).
    moments = [
        _at("2026-11-02T01:45") + timedelta(days=day, hours=half * 12)
        for day in range(26)
        for half in (0, 1)
    ]
    keep = backup.kept(moments, daily=3, weekly=3)
    assert sorted(keep) == [
        _at("2026-11-15T13:45"),  # Sunday, the newest of week 46
        _at("2026-11-22T13:45"),  # Sunday, the newest of week 47
        _at("2026-11-25T13:45"),  # the newest of each of the last three days...
        _at("2026-11-26T13:45"),
        _at("2026-11-27T13:45"),  # ...and of week 48
    ]
    assert backup.kept(moments, daily=0, weekly=0) == {_at("2026-11-27T13:45")}
    assert backup.kept([], daily=7, weekly=4) == set()


def test_pruning_removes_only_scheduled_backups_and_old_leftovers(tmp_path):
    now = _at("2026-11-27T02:00")
    for days in range(10):
        (tmp_path / backup.scheduled_name(now - timedelta(days=days))).write_bytes(b"x")
    mine = tmp_path / "before-the-upgrade.tar.gz"
    mine.write_bytes(b"kept: not named as a scheduled backup")
    old_partial = tmp_path / (backup.scheduled_name(now - timedelta(days=3)) + ".partial")
    new_partial = tmp_path / (backup.scheduled_name(now) + ".partial")
    for partial, age in ((old_partial, timedelta(days=3)), (new_partial, timedelta(0))):
        partial.write_bytes(b"half")
        stamp = (now - age).timestamp()
        os.utime(partial, (stamp, stamp))
    removed = backup.prune(tmp_path, daily=2, weekly=2, now=now)
    left = sorted(path.name for path in tmp_path.iterdir())
    assert left == sorted(
        [
            mine.name,
            new_partial.name,  # maybe a backup being written now
            backup.scheduled_name(now),  # today and yesterday
            backup.scheduled_name(now - timedelta(days=1)),
            backup.scheduled_name(_at("2026-11-22T02:00")),  # Sunday of the week before
        ]
    )
    assert len(removed) == 8


@pytest.mark.django_db
def test_the_worker_backs_up_on_schedule_and_applies_the_retention(tmp_path):
    folder = tmp_path / "instance"
    folder.mkdir()
    backups = tmp_path / "backups"
    backups.mkdir()
    now = datetime.now(UTC)
    old = [backups / backup.scheduled_name(now - timedelta(days=days)) for days in (1, 2, 3)]
    for path in old:
        path.write_bytes(b"an older backup")
    with fresh_instance(folder) as env:
        env.update(
            GUILDE_BACKUPS="true",
            GUILDE_BACKUP_DIR=str(backups),
            GUILDE_BACKUP_KEEP_DAILY="2",
            GUILDE_BACKUP_KEEP_WEEKLY="0",
            GUILDE_SCHEDULER_TICK="0.2",
        )
        worker = guilde_command("worker", "--interval", "0.2")
        # A worker claims the current period of each job when it starts: the backup runs.
        with running(worker, env, tmp_path / "worker.log"):
            assert wait_until(
                lambda: (
                    len(list(backups.glob("guilde-*.tar.gz"))) == 2
                    and not list(backups.glob("*.partial"))
                ),
                timeout=120,
            ), (tmp_path / "worker.log").read_text()[-3000:]
    newest, previous = sorted(backups.glob("guilde-*.tar.gz"), reverse=True)
    assert previous == old[0]  # yesterday's stays; the two before it went
    with tarfile.open(newest, "r:gz") as made:
        manifest = backup.read_manifest(made)
        backup.verify(made, manifest)
    assert "core" in manifest["migrations"]
