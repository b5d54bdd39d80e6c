"""``guilde eval-search DUMP [--mode keyword|semantic|hybrid] [--links related]``: how well
the search finds the original of each question a Stack Exchange dump closed as a
duplicate (or, with ``--links related``, the question each links to as related).

Prints one JSON line: ``{"pairs", "recall_at_5", "recall_at_10", "mrr", "mode"}`` (and
``"links": "related"`` with ``--links related``). When the database does not hold DUMP,
it is imported into a throwaway database first (see :mod:`guilde.search.evaluation`);
nothing waits for a worker.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from guilde.importers.stackexchange import DumpError
from guilde.search import evaluation


class Command(BaseCommand):
    help = "Evaluate the search on a Stack Exchange dump's duplicate questions."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        evaluation.add_dump_arguments(parser)
        parser.add_argument("--mode", choices=evaluation.modes(), default="keyword")
        parser.add_argument(
            "--links",
            choices=tuple(evaluation.LINKS),
            default="duplicates",
            help="the pairs: duplicate links (default) or related links",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dump: Path = options["dump"]
        mode: str = options["mode"]
        links: str = options["links"]
        try:
            if options["in_throwaway"] or evaluation.is_imported(dump):
                line = evaluation.evaluate(dump, mode, links).json_line()
            else:
                line = evaluation.evaluate_in_throwaway(dump, mode, links)
        except (DumpError, evaluation.NotImported, RuntimeError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(line)
