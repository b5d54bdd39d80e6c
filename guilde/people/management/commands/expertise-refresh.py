"""``guilde expertise-refresh``: recompute the stored expertise evidence now (the worker
does it every hour)."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand

from guilde.people import evidence
from guilde.people.models import ActivityEvidence, TopicEvidence


class Command(BaseCommand):
    help = "Recompute the stored expertise evidence now."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        snapshot = evidence.refresh()
        self.stdout.write(
            json.dumps(
                {
                    "computed_at": snapshot.computed_at.isoformat(),
                    "seconds": round(time.perf_counter() - started, 2),
                    "activity_rows": ActivityEvidence.objects.count(),
                    "topic_rows": TopicEvidence.objects.count(),
                }
            )
        )
