"""Backups that restore: ``guilde backup FILE`` and ``guilde restore FILE`` (docs/backup.md).

An archive is one gzip-compressed tar file:

- ``manifest.json`` — the archive's format, Guilde's and Django's versions, the database
  vendor, every migration applied when it was made, and each other member's size and
  SHA-256;
- ``database.sqlite3`` (SQLite's online backup API: a consistent copy while the site keeps
  serving and writing) or ``database.pgdump`` (``pg_dump --format=custom``, one
  transaction's snapshot);
- ``media/…`` — every file of the default storage (uploads, avatars, logos), read through
  Django's storage API.

A restore reads the manifest first and refuses, before touching anything, an archive of a
newer format or of a newer schema (a migration this code does not know), from another
database vendor, with a member missing, unexpected or not matching its checksum, or into an
instance that is not empty. Then it puts the database back (SQLite's backup API into the
instance's file; ``pg_restore`` into its database), the media files, and migrates to this
code's schema.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import django
from django.core.files.base import File
from django.core.files.storage import Storage, default_storage
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

import guilde

FORMAT = 1
MANIFEST = "manifest.json"
CHUNK = 1 << 20


class BackupError(Exception):
    """An archive this instance will not restore, and why (shown as it is)."""


@dataclass(frozen=True)
class Summary:
    path: Path
    size: int
    files: int
    database_bytes: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _media_names(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file of ``storage`` below ``folder`` (an empty or missing storage: none)."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for sub in sorted(folders):
        yield from _media_names(storage, f"{folder}/{sub}" if folder else sub)


def _postgres_tool(name: str, *arguments: str) -> None:
    """Run a PostgreSQL client program (``pg_dump``, ``pg_restore``) on the default
    database, without owners or privileges (the target instance's role owns what it holds)."""
    program = shutil.which(name)
    if program is None:
        raise BackupError(f"{name} is needed for PostgreSQL backups: install postgresql-client.")
    params = connection.settings_dict
    target = ["--dbname", str(params["NAME"])]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if params.get(key):
            target += [option, str(params[key])]
    env = {**os.environ}
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = str(params["PASSWORD"])
    done = subprocess.run(  # noqa: S603
        [program, "--no-owner", "--no-privileges", *target, *arguments],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"{name} failed: {done.stderr.strip()[-2000:]}")


def _dump_database(folder: Path) -> str:
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        target = folder / "database.sqlite3"
        copy = sqlite3.connect(target)
        try:
            connection.connection.backup(copy)
        finally:
            copy.close()
        return target.name
    if connection.vendor == "postgresql":
        target = folder / "database.pgdump"
        _postgres_tool("pg_dump", "--format=custom", "--file", str(target))
        return target.name
    raise BackupError(f"Backups know SQLite and PostgreSQL, not {connection.vendor}.")


def _applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def backup(path: Path, *, storage: Storage | None = None) -> Summary:
    """Write the archive to ``path`` (through a temporary file beside it: a failed backup
    never leaves half an archive under the name)."""
    storage = storage or default_storage
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="guilde-backup-") as scratch:
        folder = Path(scratch)
        database = _dump_database(folder)
        members: dict[str, Path] = {database: folder / database}
        media = folder / "media"
        for name in _media_names(storage):
            local = media / name
            local.parent.mkdir(parents=True, exist_ok=True)
            with storage.open(name, "rb") as source, local.open("wb") as copy:
                shutil.copyfileobj(source, copy, CHUNK)
            members[f"media/{name}"] = local
        manifest = {
            "format": FORMAT,
            "guilde": guilde.__version__,
            "django": django.get_version(),
            "database": connection.vendor,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "migrations": _applied_migrations(),
            "files": {
                name: {"size": local.stat().st_size, "sha256": _sha256(local)}
                for name, local in members.items()
            },
        }
        partial = path.with_name(path.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            data = json.dumps(manifest, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(datetime.now(UTC).timestamp())
            archive.addfile(info, io.BytesIO(data))
            for name, local in members.items():
                archive.add(local, arcname=name, recursive=False)
        os.replace(partial, path)
        return Summary(
            path=path,
            size=path.stat().st_size,
            files=len(members) - 1,
            database_bytes=members[database].stat().st_size,
        )


# Scheduled backups and their retention --------------------------------------------------------

SCHEDULED = re.compile(r"^guilde-(\d{8}-\d{6})\.tar\.gz$")


def scheduled_name(now: datetime) -> str:
    """``guilde-YYYYMMDD-HHMMSS.tar.gz`` (UTC): names sort as their times do."""
    return f"guilde-{now.astimezone(UTC):%Y%m%d-%H%M%S}.tar.gz"


def _scheduled(folder: Path) -> list[tuple[datetime, Path]]:
    found = []
    for path in folder.iterdir() if folder.is_dir() else []:
        if matched := SCHEDULED.match(path.name):
            moment = datetime.strptime(matched[1], "%Y%m%d-%H%M%S").replace(tzinfo=UTC)
            found.append((moment, path))
    return sorted(found, reverse=True)


def kept(moments: list[datetime], *, daily: int, weekly: int) -> set[datetime]:
    """Which backups a retention of ``daily`` days and ``weekly`` weeks keeps: the newest
    backup of each of the last ``daily`` days that have one, and of each of the last
    ``weekly`` ISO weeks that have one (restic's ``--keep-daily``/``--keep-weekly``); the
    newest backup is always kept. Days and weeks are UTC."""
    newest_first = sorted(moments, reverse=True)
    keep: set[datetime] = set(newest_first[:1])
    buckets: list[tuple[int, Callable[[datetime], object]]] = [
        (daily, lambda moment: moment.date()),
        (weekly, lambda moment: tuple(moment.isocalendar())[:2]),
    ]
    for count, bucket in buckets:
        seen: set[object] = set()
        for moment in newest_first:
            key = bucket(moment)
            if key in seen:
                continue
            if len(seen) >= count:
                break
            seen.add(key)
            keep.add(moment)
    return keep


def prune(folder: Path, *, daily: int, weekly: int, now: datetime | None = None) -> list[Path]:
    """Delete the scheduled backups in ``folder`` that the retention does not keep, and
    ``.partial`` files left by a backup that died more than a day ago; returns what went.
    Files not named as scheduled backups are never touched."""
    now = now or datetime.now(UTC)
    backups = _scheduled(folder)
    keep = kept([moment for moment, _path in backups], daily=daily, weekly=weekly)
    removed = [path for moment, path in backups if moment not in keep]
    if folder.is_dir():
        stale = now.timestamp() - timedelta(days=1).total_seconds()
        removed += [
            path for path in folder.glob("guilde-*.tar.gz.partial") if path.stat().st_mtime < stale
        ]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


@dataclass(frozen=True)
class Scheduled:
    summary: Summary
    seconds: float
    removed: list[Path]


def scheduled_backup(
    folder: Path, *, daily: int, weekly: int, now: datetime | None = None
) -> Scheduled:
    """One backup into ``folder`` under its time-stamped name, then the retention."""
    now = now or datetime.now(UTC)
    folder.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    summary = backup(folder / scheduled_name(now))
    seconds = time.monotonic() - started
    return Scheduled(summary, seconds, prune(folder, daily=daily, weekly=weekly, now=now))


# Restoring ----------------------------------------------------------------------------------


def read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = archive.getmember(MANIFEST)
        extracted = archive.extractfile(member)
        if extracted is None:
            raise KeyError(MANIFEST)
        manifest = json.loads(extracted.read())
    except (KeyError, ValueError) as error:
        raise BackupError(
            "This is not a Guilde backup: its manifest is missing or unreadable."
        ) from error
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise BackupError("This is not a Guilde backup: its manifest is missing or unreadable.")
    return manifest


def check(manifest: dict[str, Any]) -> None:
    """Refuse what this code cannot restore: a newer format, a newer schema, another
    database vendor."""
    made_by = manifest.get("guilde", "?")
    if not isinstance(manifest.get("format"), int) or manifest["format"] > FORMAT:
        raise BackupError(
            f"This backup was made by a newer Guilde ({made_by}, archive format "
            f"{manifest.get('format')}); this one ({guilde.__version__}) reads format "
            f"{FORMAT}. Restore it with Guilde {made_by} or later."
        )
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = sorted(
        f"{app}.{name}"
        for app, names in (manifest.get("migrations") or {}).items()
        for name in names
        if (app, name) not in known
    )
    if unknown:
        raise BackupError(
            f"This backup's database is newer than this Guilde ({guilde.__version__}): it "
            f"has {len(unknown)} migration(s) this code does not know, first "
            f"{unknown[0]}. Restore it with Guilde {made_by} or later."
        )
    if manifest.get("database") != connection.vendor:
        raise BackupError(
            f"This backup holds a {manifest.get('database')} database; this instance uses "
            f"{connection.vendor}. Restore it into an instance on "
            f"{manifest.get('database')}."
        )


def verify(archive: tarfile.TarFile, manifest: dict[str, Any]) -> None:
    """Every member listed, none added, each of its size and checksum."""
    expected: dict[str, dict[str, Any]] = manifest["files"]
    seen = set()
    for member in archive.getmembers():
        if member.name == MANIFEST:
            continue
        if member.name not in expected or not member.isfile():
            raise BackupError(
                f"The backup holds {member.name!r}, which its manifest does not list: it was "
                "altered."
            )
        source = archive.extractfile(member)
        digest = hashlib.sha256()
        while source is not None and (chunk := source.read(CHUNK)):
            digest.update(chunk)
        if (
            member.size != expected[member.name]["size"]
            or digest.hexdigest() != expected[member.name]["sha256"]
        ):
            raise BackupError(
                f"The backup's {member.name!r} does not match its checksum: the archive is "
                "damaged or was altered. Nothing was restored."
            )
        seen.add(member.name)
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(
            f"The backup lacks {missing[0]!r}, which its manifest lists: it is incomplete."
        )


def _is_empty(storage: Storage) -> bool:
    tables = set(connection.introspection.table_names())
    if "accounts_user" in tables:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM accounts_user LIMIT 1")
            if cursor.fetchone() is not None:
                return False
    return next(_media_names(storage), None) is None


def _restore_database(folder: Path, name: str) -> None:
    for each in connections.all():
        each.close()
    if connection.vendor == "sqlite":
        source = sqlite3.connect(folder / name)
        target = sqlite3.connect(str(connection.settings_dict["NAME"]))
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        return
    _postgres_tool(
        "pg_restore", "--clean", "--if-exists", "--single-transaction", str(folder / name)
    )


def restore(path: Path, *, storage: Storage | None = None) -> dict[str, Any]:
    """Put an archive back into this empty instance; returns its manifest."""
    storage = storage or default_storage
    try:
        archive = tarfile.open(Path(path), "r:gz")  # noqa: SIM115  (closed by the with below)
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"This file cannot be read as a Guilde backup: {error}.") from error
    with archive:
        manifest = read_manifest(archive)
        check(manifest)
        verify(archive, manifest)
        if not _is_empty(storage):
            raise BackupError(
                "This instance is not empty (it has members or files): restore into a new, "
                "empty instance (a new data folder or database)."
            )
        with tempfile.TemporaryDirectory(prefix="guilde-restore-") as scratch:
            folder = Path(scratch)
            archive.extractall(folder, filter="data")
            database = next(n for n in manifest["files"] if n.startswith("database."))
            _restore_database(folder, database)
            for name in manifest["files"]:
                if name.startswith("media/"):
                    with (folder / name).open("rb") as source:
                        saved = storage.save(name.removeprefix("media/"), File(source))
                    if saved != name.removeprefix("media/"):
                        raise BackupError(f"The file {name!r} could not keep its name ({saved!r}).")
    return manifest
