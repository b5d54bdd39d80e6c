"""``guilde restore FILE``: put a backup back into an empty instance, after checking its
format, schema, vendor and every checksum (guilde.core.backup, docs/backup.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from guilde.core.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup made by `guilde backup` into this empty instance."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the archive to restore")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = restore(Path(options["file"]))
        except BackupError as error:
            raise CommandError(str(error)) from error
        call_command("migrate", interactive=False, verbosity=0)
        files = sum(1 for name in manifest["files"] if name.startswith("media/"))
        self.stdout.write(
            f"Restored the backup of {manifest['created_at']} (Guilde {manifest['guilde']}): "
            f"the database and {files} media files; migrated to this version."
        )
