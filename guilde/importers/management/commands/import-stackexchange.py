"""``guilde import-stackexchange PATH [--community SLUG] [--private]``.

PATH: a Stack Exchange site dump, ``site.7z`` or the folder of its XML files. The whole
dump is checked before anything is written; then it is imported in batches; the last line
printed is a JSON object of counts. Running it again adds and updates only what changed.
``--remove`` takes a site's import back out.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from guilde.importers import stackexchange


class Command(BaseCommand):
    help = "Import a Stack Exchange site dump (site.7z, or a folder of its XML files)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", type=Path, help="site.7z, or the folder of its XML files")
        parser.add_argument(
            "--community", default="", help="the community's short name (default: the site's)"
        )
        parser.add_argument(
            "--private", action="store_true", help="create the community as private"
        )
        parser.add_argument("--quiet", action="store_true", help="no progress bars")
        parser.add_argument(
            "--remove", action="store_true", help="take this site's import back out instead"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        try:
            if options["remove"]:
                counts = stackexchange.remove(stackexchange.site_of(path))
            else:
                counts = stackexchange.import_dump(
                    path,
                    slug=options["community"],
                    private=options["private"],
                    progress=not options["quiet"] and sys.stderr.isatty(),
                )
        except stackexchange.DumpError as error:
            raise CommandError(str(error)) from error
        stackexchange.write_counts(counts, self.stdout)
