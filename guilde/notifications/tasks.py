"""Periodic jobs of notifications: e-mails that are due, and the morning digests."""

from __future__ import annotations

from django.tasks import task

from guilde.core.scheduling import cron, every, periodic
from guilde.notifications import mail


@periodic(every(minutes=1))
@task()
def send_notification_emails() -> int:
    return mail.send_due_emails()


# Every quarter of an hour: time zones an hour and a half or three quarters apart from UTC
# reach 07:00 at :30 or :45.
@periodic(cron("*/15 * * * *"))
@task()
def send_digests() -> int:
    return mail.send_digests()
