"""The plumbing's own periodic jobs."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from guilde.core import backup
from guilde.core.models import ScheduledRun, WorkerHeartbeat
from guilde.core.retries import with_retries
from guilde.core.scheduling import cron, daily, periodic

logger = logging.getLogger(__name__)


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


@periodic(cron(settings.GUILDE_BACKUP_SCHEDULE))
@task(queue_name="default", priority=-10)
@with_retries(attempts=3, backoff=timedelta(minutes=30))
def back_up_instance() -> dict[str, Any]:
    """The scheduled backup (docs/backup.md): into GUILDE_BACKUP_DIR, then the retention."""
    if not settings.GUILDE_BACKUPS:
        return {"skipped": "GUILDE_BACKUPS is off"}
    done = backup.scheduled_backup(
        settings.GUILDE_BACKUP_DIR,
        daily=settings.GUILDE_BACKUP_KEEP_DAILY,
        weekly=settings.GUILDE_BACKUP_KEEP_WEEKLY,
    )
    logger.info(
        "backed up to %s: %d bytes in %.1f s; %d old backups removed",
        done.summary.path,
        done.summary.size,
        done.seconds,
        len(done.removed),
    )
    return {
        "file": str(done.summary.path),
        "bytes": done.summary.size,
        "seconds": round(done.seconds, 1),
        "removed": [path.name for path in done.removed],
    }
