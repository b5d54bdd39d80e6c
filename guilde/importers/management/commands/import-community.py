"""``guilde import-community FILE [--slug NEW]``: a community archive made by
``guilde export-community`` (here or on another instance) as a new community. The whole
archive is checked before anything is written; a refused archive leaves nothing behind.
Members arrive as placeholders their owners claim. The last line printed is a JSON object
of counts."""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from guilde.importers.archive.load import ArchiveError, import_community


class Command(BaseCommand):
    help = "Import a community archive (made by export-community) as a new community."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help="the archive (.zip)")
        parser.add_argument(
            "--slug", default="", help="the new community's short name (default: the archive's)"
        )
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        bar = None
        if not options["quiet"] and sys.stderr.isatty():
            bar = tqdm(unit=" objects", desc="import")
        try:
            imported = import_community(
                options["file"],
                slug=options["slug"],
                progress=(lambda kind, n: bar.update(n)) if bar else None,
            )
        except ArchiveError as error:
            raise CommandError(str(error)) from error
        finally:
            if bar:
                bar.close()
        self.stdout.write(
            json.dumps(
                {
                    "slug": imported.community.slug,
                    "renamed": imported.renamed,
                    **imported.counts,
                }
            )
        )
