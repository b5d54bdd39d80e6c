"""``guilde eval-experts DUMP [--baseline]``: how well the expertise ranking predicts who
gives the accepted answer to each question of a Stack Exchange dump, from what was known
when it was asked (protocol: :mod:`guilde.people.evaluation`).

Prints one JSON line: ``{"questions", "p_at_1", "mrr", "method"}``. When the database does
not hold DUMP, it is imported into a throwaway database first, synchronously.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from guilde.importers.stackexchange import DumpError
from guilde.people import evaluation
from guilde.search import evaluation as search_evaluation


class Command(BaseCommand):
    help = "Evaluate the expertise ranking on a Stack Exchange dump's accepted answers."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        search_evaluation.add_dump_arguments(parser)
        parser.add_argument(
            "--baseline",
            action="store_true",
            help="rank members by their number of earlier answers instead",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dump: Path = options["dump"]
        method = "baseline" if options["baseline"] else "expertise"
        try:
            if options["in_throwaway"] or search_evaluation.is_imported(dump):
                line = evaluation.evaluate(dump, method).json_line()
            else:
                extra = ("--baseline",) if options["baseline"] else ()
                line = search_evaluation.in_throwaway(dump, "eval-experts", *extra)
        except (DumpError, search_evaluation.NotImported, RuntimeError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(line)
