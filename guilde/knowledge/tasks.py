"""Periodic jobs of the knowledge base."""

from __future__ import annotations

from django.tasks import task

from guilde.core.scheduling import every, periodic
from guilde.knowledge import services


@periodic(every(hours=1))
@task()
def expire_verifications() -> int:
    """Verified articles whose verification expired need review (stewards are told)."""
    return services.expire_verifications()
