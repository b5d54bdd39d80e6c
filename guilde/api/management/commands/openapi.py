"""``guilde openapi``: write (or ``--check``) the checked-in OpenAPI schema."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from guilde.api.schema import SCHEMA_FILE, schema_text


class Command(BaseCommand):
    help = "Write the API's OpenAPI schema to docs/api/openapi.json (or check it is current)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="Fail if the file is stale.")

    def handle(self, *args: Any, **options: Any) -> None:
        text = schema_text()
        if options["check"]:
            if not SCHEMA_FILE.exists() or SCHEMA_FILE.read_text() != text:
                raise CommandError(f"{SCHEMA_FILE} is stale: run `make openapi`.")
            self.stdout.write("The OpenAPI schema is current.")
            return
        SCHEMA_FILE.parent.mkdir(parents=True, exist_ok=True)
        SCHEMA_FILE.write_text(text)
        self.stdout.write(f"Wrote {SCHEMA_FILE}.")
