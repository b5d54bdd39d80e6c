"""``guilde analytics rebuild``: recompute every analytics snapshot (the worker takes one a
day); ``guilde analytics snapshot``: take today's now."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from guilde.analytics import snapshots


class Command(BaseCommand):
    help = "Analytics snapshots: 'rebuild' recomputes the history, 'snapshot' takes today's."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rebuild", "snapshot"])
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        if options["action"] == "rebuild":

            def progress(items: Iterable[Any]) -> Iterable[Any]:
                if options["quiet"]:
                    return items
                from tqdm import tqdm

                listed = list(items)
                return tqdm(listed, total=len(listed), desc="communities", file=sys.stderr)

            written = snapshots.rebuild(progress=progress)
        else:
            written = snapshots.take_all()
        self.stdout.write(
            json.dumps(
                {
                    "action": options["action"],
                    "snapshots": written,
                    "seconds": round(time.perf_counter() - started, 2),
                }
            )
        )
