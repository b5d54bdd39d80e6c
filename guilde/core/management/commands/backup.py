"""``guilde backup FILE``: the database, the media files and a manifest in one archive
(guilde.core.backup, docs/backup.md)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from guilde.core.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database and the media files into one archive (.tar.gz)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="where to write the archive")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            summary = backup(Path(options["file"]))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Backed up to {summary.path}: {summary.size:,} bytes (database "
            f"{summary.database_bytes:,} bytes, {summary.files} media files) in "
            f"{time.monotonic() - started:.1f} s."
        )
