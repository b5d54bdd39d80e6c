"""``guilde reindex``: rebuild the search index, with a progress bar, while the site serves.

Each batch of documents is replaced in its own transaction, so searches keep finding the
old documents until their new ones land; documents of things no longer searchable are
dropped at the end. The analyser version is recorded (the scheduler rebuilds by itself
when it changes).

``guilde reindex --embeddings`` computes the vectors of semantic search instead: every
thread and article embedded again by the configured embedder, in batches.
"""

from __future__ import annotations

import json
import sys
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from tqdm import tqdm

from guilde.search import index


class Command(BaseCommand):
    help = "Rebuild the search index (the site keeps serving)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--quiet", action="store_true", help="no progress bar")
        parser.add_argument(
            "--embeddings",
            action="store_true",
            help="compute the vectors of semantic search (threads and articles)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        quiet = options["quiet"] or not sys.stderr.isatty()
        from guilde.semantic import services as semantic

        embeddings = options["embeddings"]
        total = semantic.objects_to_embed() if embeddings else index.objects_to_index()
        key = "embedded" if embeddings else "documents"
        with tqdm(total=total, unit="objects", disable=quiet, file=sys.stderr) as bar:

            def advance(count: int) -> None:
                bar.update(count)

            done = (
                semantic.embed_all(progress=advance, force=True)
                if embeddings
                else index.rebuild(progress=advance)
            )
        seconds = round(time.monotonic() - started, 1)
        self.stdout.write(json.dumps({key: done, "seconds": seconds}))
