"""Periodic jobs of the people app."""

from __future__ import annotations

from django.tasks import task

from guilde.core.scheduling import every, periodic
from guilde.people import evidence
from guilde.people.models import TopicEvidence


@periodic(every(hours=1))
@task()
def refresh_evidence() -> int:
    """Recompute the stored expertise evidence (pages rank experts from it)."""
    evidence.refresh()
    return TopicEvidence.objects.count()
