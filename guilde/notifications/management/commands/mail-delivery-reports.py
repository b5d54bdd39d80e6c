"""``guilde mail-delivery-reports FILE``: record bounces and complaints from a file.

The file holds one JSON object per line (see docs/mail-delivery-reports.md):
``{"email": "a@example.org", "type": "hard", "description": "550 no such user"}``.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from guilde.notifications.services import delivery_report


class Command(BaseCommand):
    help = "Record mail delivery reports (bounces, complaints) from a JSON-lines file."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        reports: list[dict[str, str]] = []
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            try:
                report = json.loads(line)
                reports.append(
                    {
                        "email": str(report["email"]),
                        "kind": str(report["type"]),
                        "description": str(report.get("description", "")),
                    }
                )
            except (ValueError, KeyError, TypeError) as error:
                raise CommandError(
                    f"line {number}: not a delivery report ({error}); nothing was recorded"
                ) from error
        suppressed = 0
        # All or nothing: a bad line records none, so the file can be fixed and run again.
        with transaction.atomic():
            for number, report in enumerate(reports, start=1):
                try:
                    status = delivery_report(**report)
                except ValidationError as error:
                    raise CommandError(
                        f"report {number}: {' '.join(error.messages)} Nothing was recorded."
                    ) from error
                suppressed += status.suppressed_at is not None
        self.stdout.write(
            f"{len(reports)} reports recorded; "
            f"{suppressed} of them concern addresses no longer mailed."
        )
