"""``guilde demo``: load the demonstration data, idempotently.

Each app may have a ``demo`` module with a ``load(out)`` function; they run in the order
of INSTALLED_APPS, each in its own transaction, and create what is missing only — a
second run changes nothing.
"""

from __future__ import annotations

import importlib
import time
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from guilde.core.worker import run_ready_tasks


class Command(BaseCommand):
    help = "Load the demonstration data (idempotent: safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        for app in apps.get_app_configs():
            try:
                module = importlib.import_module(f"{app.name}.demo")
            except ModuleNotFoundError as error:
                if error.name == f"{app.name}.demo":
                    continue
                raise
            with transaction.atomic():
                module.load(self.stdout)
        # What the demo set in motion (notifications of its posts, mails) happens now, so
        # that the instance shows it from the first page.
        ran = run_ready_tasks()
        self.stdout.write(
            f"Demo data ready in {time.monotonic() - started:.1f} s ({ran} background tasks run)."
        )
