"""``guilde backup FILE``: the database, the media files and a manifest in one archive
(guilde.core.backup, docs/backup.md)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from guilde.core.backup import BackupError, backup, scheduled_backup


class Command(BaseCommand):
    help = (
        "Back up the database and the media files into one archive (.tar.gz): FILE, or "
        "without FILE a time-stamped archive in GUILDE_BACKUP_DIR, old ones pruned as the "
        "retention says (GUILDE_BACKUP_KEEP_DAILY, GUILDE_BACKUP_KEEP_WEEKLY)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="where to write the archive")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            if options["file"]:
                summary = backup(Path(options["file"]))
            else:
                done = scheduled_backup(
                    settings.GUILDE_BACKUP_DIR,
                    daily=settings.GUILDE_BACKUP_KEEP_DAILY,
                    weekly=settings.GUILDE_BACKUP_KEEP_WEEKLY,
                )
                summary = done.summary
                for path in done.removed:
                    self.stdout.write(f"Removed {path} (retention).")
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Backed up to {summary.path}: {summary.size:,} bytes (database "
            f"{summary.database_bytes:,} bytes, {summary.files} media files) in "
            f"{time.monotonic() - started:.1f} s."
        )
