"""Periodic jobs of the events app."""

from __future__ import annotations

from django.tasks import task

from guilde.core.scheduling import every, periodic
from guilde.events import services


@periodic(every(minutes=5))
@task()
def send_reminders() -> int:
    """Remind those with a seat a day and an hour before each occurrence."""
    return services.send_reminders()
