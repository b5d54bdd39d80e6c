"""Plumbing state shared by every process: scheduler claims and worker heartbeats."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ScheduledRun(models.Model):
    """One period of one periodic job, claimed by the worker that enqueued it.

    The unique constraint is the lease: of several workers reaching the same period, one
    insert succeeds and that worker enqueues the job, in the same transaction.
    """

    job = models.CharField(_("job"), max_length=200)
    period_start = models.DateTimeField(_("period start"))
    claimed_at = models.DateTimeField(_("claimed at"), auto_now_add=True)
    worker_id = models.CharField(_("worker"), max_length=64)
    task_result_id = models.CharField(_("task result"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        constraints = [
            models.UniqueConstraint(fields=["job", "period_start"], name="scheduledrun_once"),
        ]
        indexes = [models.Index(fields=["claimed_at"], name="scheduledrun_claimed_idx")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.period_start.isoformat()}"


class WorkerHeartbeat(models.Model):
    """A running worker process says it is alive; readiness checks read the freshest one."""

    worker_id = models.CharField(_("worker"), max_length=64, primary_key=True)
    hostname = models.CharField(_("host name"), max_length=255)
    pid = models.PositiveIntegerField(_("process id"))
    started_at = models.DateTimeField(_("started at"))
    last_seen = models.DateTimeField(_("last seen"), db_index=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.hostname}:{self.pid}"
