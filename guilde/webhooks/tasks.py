"""The worker's side of webhooks: one attempt per task, and the log's daily pruning."""

from __future__ import annotations

from django.tasks import task

from guilde.core.scheduling import daily, periodic
from guilde.webhooks import services


@task()
def deliver(delivery_id: int) -> str:
    """One attempt at a delivery; a failure enqueues the next one itself (with its own
    backoff, logged in the delivery's attempts), so this task never raises for it."""
    return services.deliver(delivery_id)


@periodic(daily(at="04:15"))
@task()
def prune_webhook_log() -> int:
    """Forget finished deliveries older than GUILDE_WEBHOOKS_LOG_DAYS."""
    return services.prune_log()
