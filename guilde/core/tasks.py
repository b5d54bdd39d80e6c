"""The plumbing's own periodic jobs."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from guilde.core.models import ScheduledRun, WorkerHeartbeat
from guilde.core.scheduling import daily, periodic


@periodic(daily(at="03:30"))
@task()
def prune_task_results() -> dict[str, int]:
    """Delete finished task results, scheduler claims and heartbeats past their retention."""
    now = timezone.now()
    keep = timedelta(days=settings.GUILDE_TASK_RESULT_RETENTION_DAYS)
    results, _ = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED],
        finished_at__lt=now - keep,
    ).delete()
    runs, _ = ScheduledRun.objects.filter(claimed_at__lt=now - keep).delete()
    beats, _ = WorkerHeartbeat.objects.filter(last_seen__lt=now - timedelta(days=1)).delete()
    return {"task_results": results, "scheduled_runs": runs, "heartbeats": beats}
