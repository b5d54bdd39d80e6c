"""Periodic jobs, declared in code next to their task, run once per period.

A periodic job is a Django task with a schedule::

    @periodic(daily(at="06:00"))      # instance time (settings.TIME_ZONE)
    @task()
    def send_daily_digests() -> None: ...

    @periodic(every(minutes=5))
    @task()
    def expire_invitations() -> None: ...

Every ``guilde worker`` runs a :class:`Scheduler`. At each tick it computes, for each job,
the start of the current period; a worker that has not yet seen that period tries to
insert a :class:`~guilde.core.models.ScheduledRun` row for it and, in the same
transaction, enqueues the task. The unique constraint on (job, period start) is the lease:
however many workers run, one insert succeeds, so the job runs once per period. A period
missed while no worker ran is run once when a worker comes back (no backlog).

The scheduler thread also keeps its worker's heartbeat and gives back the tasks a dead
worker left running (:func:`requeue_orphaned_tasks`): a worker killed in the middle of a
task (SIGKILL, power loss, OOM) leaves its row RUNNING forever; once that worker's
heartbeat is stale, the task is made READY again and runs on a live worker. Tasks run at
least once, so they are written to be idempotent (guilde.core.events).
"""

from __future__ import annotations

import importlib
import logging
import os
import socket
import threading
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

from cronsim import CronSim
from django.conf import settings
from django.db import IntegrityError, close_old_connections, connections, transaction
from django.tasks import Task, TaskResultStatus
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django_tasks_db.models import DBTaskResult

from guilde.core.models import ScheduledRun, WorkerHeartbeat

logger = logging.getLogger(__name__)

T = TypeVar("T")

_EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday, so weekly intervals start on Mondays


class Schedule(Protocol):
    def period_start(self, now: datetime) -> datetime:
        """The start of the period that contains ``now`` (an aware datetime)."""

    def describe(self) -> str: ...


@dataclass(frozen=True)
class Every:
    interval: timedelta

    def period_start(self, now: datetime) -> datetime:
        return _EPOCH + ((now - _EPOCH) // self.interval) * self.interval

    def describe(self) -> str:
        return f"every {self.interval}"


@dataclass(frozen=True)
class Cron:
    """A cron expression evaluated in the instance's time zone."""

    expression: str

    def __post_init__(self) -> None:
        CronSim(
            self.expression, datetime(2000, 1, 1, tzinfo=UTC)
        )  # fails early on a bad expression

    def period_start(self, now: datetime) -> datetime:
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        local = now.astimezone(zone).replace(microsecond=0) + timedelta(seconds=1)
        latest: datetime = next(CronSim(self.expression, local, reverse=True))
        return latest.astimezone(UTC)

    def describe(self) -> str:
        return f"cron {self.expression!r} ({settings.TIME_ZONE})"


def every(*, seconds: float = 0, minutes: float = 0, hours: float = 0, days: float = 0) -> Every:
    interval = timedelta(seconds=seconds, minutes=minutes, hours=hours, days=days)
    if interval < timedelta(seconds=1):
        raise ValueError("a periodic job runs at most once a second")
    return Every(interval)


def daily(*, at: str) -> Cron:
    hour, minute = (int(part) for part in at.split(":"))
    return Cron(f"{minute} {hour} * * *")


def cron(expression: str) -> Cron:
    return Cron(expression)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: Task[[], Any]  # whatever a job returns, the scheduler ignores it
    schedule: Schedule


_registry: dict[str, PeriodicJob] = {}


def periodic(schedule: Schedule) -> Callable[[Task[[], T]], Task[[], T]]:
    """Register a task as a periodic job; apply above ``@task()``."""

    def register(the_task: Task[[], T]) -> Task[[], T]:
        if not isinstance(the_task, Task):
            raise TypeError("@periodic goes above @task()")
        name = the_task.module_path
        _registry[name] = PeriodicJob(name=name, task=the_task, schedule=schedule)
        return the_task

    return register


def discover_periodic_jobs() -> list[PeriodicJob]:
    """Import every app's ``tasks`` module (and any extra modules the settings name)."""
    autodiscover_modules("tasks")
    for module in settings.GUILDE_SCHEDULER_MODULES:
        importlib.import_module(module)
    return sorted(_registry.values(), key=lambda job: job.name)


def claim_period(job: PeriodicJob, period_start: datetime, *, worker_id: str) -> bool:
    """Enqueue ``job`` for ``period_start`` unless another worker already did."""
    try:
        with transaction.atomic():
            result = job.task.enqueue()
            ScheduledRun.objects.create(
                job=job.name,
                period_start=period_start,
                worker_id=worker_id,
                task_result_id=str(result.id),
            )
    except IntegrityError:
        return False
    logger.info("enqueued periodic job %s for %s", job.name, period_start.isoformat())
    return True


def requeue_orphaned_tasks(now: datetime | None = None) -> int:
    """Make READY again each RUNNING task whose worker is gone; returns how many.

    A worker is gone when its heartbeat is older than ``GUILDE_WORKER_STALE_AFTER_SECONDS``
    (or it never had one), and the task started before that too: a live worker beats every
    ``GUILDE_WORKER_HEARTBEAT_SECONDS`` from its scheduler thread, even while a long task
    runs. The update is conditional on the row being unchanged, so two workers recovering
    at once requeue a task once.
    """
    now = now or timezone.now()
    limit = now - timedelta(seconds=settings.GUILDE_WORKER_STALE_AFTER_SECONDS)
    running = list(
        DBTaskResult.objects.filter(
            status=TaskResultStatus.RUNNING, started_at__lt=limit
        ).values_list("pk", "worker_ids", "started_at", "task_path")
    )
    if not running:
        return 0
    alive = set(
        WorkerHeartbeat.objects.filter(last_seen__gte=limit).values_list("worker_id", flat=True)
    )
    requeued = 0
    for pk, worker_ids, started_at, task_path in running:
        if worker_ids and worker_ids[-1] in alive:
            continue
        if DBTaskResult.objects.filter(
            pk=pk, status=TaskResultStatus.RUNNING, started_at=started_at
        ).update(status=TaskResultStatus.READY, started_at=None):
            requeued += 1
            logger.warning(
                "task %s (%s) was left running by worker %s, which is gone: queued again",
                pk,
                task_path,
                worker_ids[-1] if worker_ids else "?",
            )
    return requeued


class Scheduler:
    """The scheduler one worker runs; also keeps that worker's heartbeat."""

    def __init__(self, *, worker_id: str, jobs: list[PeriodicJob]) -> None:
        self.worker_id = worker_id
        self.jobs = jobs
        self._seen: dict[str, datetime] = {}
        self._last_heartbeat: datetime | None = None
        self._started_at = timezone.now()
        self._stop = threading.Event()

    def tick(self, now: datetime | None = None) -> list[str]:
        """Claim each job's current period if it is new; return the jobs enqueued."""
        now = now or timezone.now()
        enqueued = []
        for job in self.jobs:
            start = job.schedule.period_start(now)
            if self._seen.get(job.name) == start:
                continue
            if claim_period(job, start, worker_id=self.worker_id):
                enqueued.append(job.name)
            self._seen[job.name] = start
        return enqueued

    def beat(self, now: datetime | None = None) -> None:
        now = now or timezone.now()
        interval = timedelta(seconds=settings.GUILDE_WORKER_HEARTBEAT_SECONDS)
        if self._last_heartbeat and now - self._last_heartbeat < interval:
            return
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": self._started_at,
                "last_seen": now,
            },
        )
        self._last_heartbeat = now

    def run_forever(self, *, scheduling: bool = True) -> None:
        """Tick until :meth:`stop`; errors are logged and the loop goes on."""
        try:
            while not self._stop.is_set():
                close_old_connections()
                try:
                    self.beat()
                    requeue_orphaned_tasks()
                    if scheduling:
                        self.tick()
                except Exception:
                    logger.exception("scheduler tick failed; trying again")
                self._stop.wait(settings.GUILDE_SCHEDULER_TICK)
        finally:
            connections.close_all()

    def stop(self) -> None:
        self._stop.set()

    def start_thread(self, *, scheduling: bool = True) -> threading.Thread:
        thread = threading.Thread(
            target=self.run_forever,
            kwargs={"scheduling": scheduling},
            name="guilde-scheduler",
            daemon=True,
        )
        thread.start()
        return thread

    def forget_heartbeat(self) -> None:
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()


def worker_alive(now: datetime | None = None) -> bool:
    """Whether some worker's heartbeat is recent enough for the instance to be ready."""
    now = now or timezone.now()
    limit = now - timedelta(seconds=settings.GUILDE_WORKER_STALE_AFTER_SECONDS)
    return WorkerHeartbeat.objects.filter(last_seen__gte=limit).exists()
