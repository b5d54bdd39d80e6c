"""``guilde export-community SLUG FILE``: one community, its members' shareable profiles, its
threads, posts, articles, learning paths and files, in a portable archive
(docs/community-archive.md). The last line printed is a JSON object of counts."""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from guilde.communities.models import Community
from guilde.importers.archive.export import export_community


class Command(BaseCommand):
    help = "Export one community to a portable archive (a zip of JSON lines and files)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("slug", help="the community's short name")
        parser.add_argument("file", type=Path, help="the archive to write (.zip)")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        community = Community.objects.existing().filter(slug=options["slug"]).first()
        if community is None:
            raise CommandError(f"No community has the short name {options['slug']!r}.")
        path: Path = options["file"]
        if not path.parent.is_dir():
            raise CommandError(f"The folder {path.parent} does not exist.")
        bar = None
        if not options["quiet"] and sys.stderr.isatty():
            bar = tqdm(unit=" objects", desc="export")
        counts = export_community(
            community, path, progress=(lambda kind, n: bar.update(n)) if bar else None
        )
        if bar:
            bar.close()
        self.stdout.write(json.dumps({"file": str(path), **counts}))
