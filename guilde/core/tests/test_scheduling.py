from __future__ import annotations

import itertools
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from guilde.core.models import ScheduledRun, WorkerHeartbeat
from guilde.core.scheduling import (
    Cron,
    PeriodicJob,
    Scheduler,
    daily,
    discover_periodic_jobs,
    every,
    requeue_orphaned_tasks,
    worker_alive,
)
from guilde.core.testing import child_environment, guilde_command, running, wait_until
from guilde.core.tests import sample_tasks


def job() -> PeriodicJob:
    return PeriodicJob(
        name="guilde.core.tests.sample_tasks.record_period",
        task=sample_tasks.record_period,
        schedule=every(seconds=2),
    )


def test_every_cuts_time_into_aligned_periods():
    five = every(minutes=5)
    assert five.period_start(datetime(2026, 3, 1, 10, 7, 31, tzinfo=UTC)) == datetime(
        2026, 3, 1, 10, 5, tzinfo=UTC
    )
    assert five.period_start(datetime(2026, 3, 1, 10, 10, tzinfo=UTC)) == datetime(
        2026, 3, 1, 10, 10, tzinfo=UTC
    )


def test_every_refuses_sub_second_periods():
    with pytest.raises(ValueError, match="once a second"):
        every(seconds=0.5)


def test_daily_runs_at_the_instance_time(settings):
    settings.TIME_ZONE = "Europe/Paris"
    six = daily(at="06:00")
    # 05:59 in Paris (04:59 UTC in winter): the period began yesterday at 06:00 Paris.
    assert six.period_start(datetime(2026, 1, 15, 4, 59, tzinfo=UTC)) == datetime(
        2026, 1, 14, 5, 0, tzinfo=UTC
    )
    # 06:00 in Paris exactly: a new period.
    assert six.period_start(datetime(2026, 1, 15, 5, 0, tzinfo=UTC)) == datetime(
        2026, 1, 15, 5, 0, tzinfo=UTC
    )
    # Summer time: 06:00 in Paris is 04:00 UTC.
    assert six.period_start(datetime(2026, 7, 1, 12, 0, tzinfo=UTC)) == datetime(
        2026, 7, 1, 4, 0, tzinfo=UTC
    )


def test_a_bad_cron_expression_fails_at_declaration():
    with pytest.raises(Exception, match=r".+"):
        Cron("not a cron")


def test_discovery_finds_the_core_jobs():
    names = [job.name for job in discover_periodic_jobs()]
    assert "guilde.core.tasks.prune_task_results" in names


@pytest.mark.django_db
def test_a_period_is_claimed_once_whatever_the_number_of_schedulers():
    now = datetime(2026, 5, 4, 12, 0, 1, tzinfo=UTC)
    first = Scheduler(worker_id="a", jobs=[job()])
    second = Scheduler(worker_id="b", jobs=[job()])

    assert first.tick(now) == [job().name]
    assert second.tick(now) == []
    assert first.tick(now + timedelta(seconds=0.5)) == []

    assert ScheduledRun.objects.count() == 1
    run = ScheduledRun.objects.get()
    assert run.worker_id == "a"
    assert DBTaskResult.objects.filter(id=run.task_result_id).exists()

    assert second.tick(now + timedelta(seconds=2)) == [job().name]
    assert first.tick(now + timedelta(seconds=2)) == []
    assert ScheduledRun.objects.count() == 2
    assert DBTaskResult.objects.count() == 2


@pytest.mark.django_db
def test_a_missed_period_runs_once_when_a_worker_returns():
    now = datetime(2026, 5, 4, 12, 0, 0, tzinfo=UTC)
    scheduler = Scheduler(worker_id="a", jobs=[job()])
    scheduler.tick(now)
    # The worker was away for a minute: one run for the current period, no backlog.
    assert scheduler.tick(now + timedelta(minutes=1)) == [job().name]
    assert ScheduledRun.objects.count() == 2


@pytest.mark.django_db
def test_heartbeats_make_the_instance_ready_and_expire(settings):
    settings.GUILDE_WORKER_STALE_AFTER_SECONDS = 60
    now = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
    assert not worker_alive(now)
    scheduler = Scheduler(worker_id="w1", jobs=[])
    scheduler.beat(now)
    assert worker_alive(now + timedelta(seconds=59))
    assert not worker_alive(now + timedelta(seconds=61))
    scheduler.forget_heartbeat()
    assert not WorkerHeartbeat.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_periodic_job_runs_exactly_once_per_period_with_two_workers(tmp_path: Path):
    log = tmp_path / "periodic.log"
    env = child_environment(
        GUILDE_SCHEDULER_MODULES="guilde.core.tests.sample_tasks",
        GUILDE_SCHEDULER_TICK="0.1",
        GUILDE_TEST_PERIODIC_LOG=str(log),
    )
    name = "guilde.core.tests.sample_tasks.record_period"
    with (
        running(guilde_command("worker", "--interval", "0.1"), env, tmp_path / "w1.log"),
        running(guilde_command("worker", "--interval", "0.1"), env, tmp_path / "w2.log"),
    ):
        assert wait_until(lambda: WorkerHeartbeat.objects.count() == 2, timeout=30), (
            tmp_path / "w1.log"
        ).read_text() + (tmp_path / "w2.log").read_text()
        assert wait_until(lambda: ScheduledRun.objects.filter(job=name).count() >= 4, timeout=30)
        time.sleep(0.5)  # let the last claimed run finish
    runs = list(ScheduledRun.objects.filter(job=name).order_by("period_start"))
    starts = [run.period_start for run in runs]
    # Consecutive periods, none skipped, none claimed twice...
    assert all(b - a == timedelta(seconds=2) for a, b in itertools.pairwise(starts))
    # ...and each period enqueued one task, which ran once, with two schedulers racing.
    finished = DBTaskResult.objects.filter(task_path=name, status=TaskResultStatus.SUCCESSFUL)
    executions = log.read_text().splitlines()
    assert len(executions) == finished.count()
    assert finished.count() >= len(runs) - 1  # the last one may still have been queued
    assert len(executions) <= len(runs)
    assert DBTaskResult.objects.filter(task_path=name).count() == len(runs)


@pytest.mark.django_db
def test_a_task_left_running_by_a_dead_worker_is_queued_again(settings):
    settings.GUILDE_WORKER_STALE_AFTER_SECONDS = 60
    now = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
    live, dead = Scheduler(worker_id="live", jobs=[]), Scheduler(worker_id="dead", jobs=[])
    dead.beat(now - timedelta(minutes=5))
    live.beat(now)
    orphan = sample_tasks.record_period.enqueue()
    busy = sample_tasks.record_period.enqueue()
    young = sample_tasks.record_period.enqueue()
    unknown = sample_tasks.record_period.enqueue()
    started = now - timedelta(minutes=2)
    DBTaskResult.objects.filter(pk=orphan.id).update(
        status=TaskResultStatus.RUNNING, worker_ids=["dead"], started_at=started
    )
    DBTaskResult.objects.filter(pk=busy.id).update(
        status=TaskResultStatus.RUNNING, worker_ids=["live"], started_at=started
    )
    DBTaskResult.objects.filter(pk=young.id).update(
        status=TaskResultStatus.RUNNING, worker_ids=["dead"], started_at=now
    )
    DBTaskResult.objects.filter(pk=unknown.id).update(
        status=TaskResultStatus.RUNNING, worker_ids=["never-beat"], started_at=started
    )
    assert requeue_orphaned_tasks(now) == 2
    statuses = dict(DBTaskResult.objects.values_list("pk", "status"))
    # The dead worker's old task and the task of a worker never seen go back to the queue;
    # a live worker's task and one started too recently to judge stay as they are.
    assert statuses[uuid.UUID(orphan.id)] == TaskResultStatus.READY
    assert statuses[uuid.UUID(unknown.id)] == TaskResultStatus.READY
    assert statuses[uuid.UUID(busy.id)] == TaskResultStatus.RUNNING
    assert statuses[uuid.UUID(young.id)] == TaskResultStatus.RUNNING
    assert requeue_orphaned_tasks(now) == 0


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_in_a_task_leaves_it_to_the_next_worker(tmp_path: Path):
    log = tmp_path / "slow.log"
    env = child_environment(
        GUILDE_SCHEDULER_TICK="0.1",
        GUILDE_WORKER_HEARTBEAT_SECONDS="0.2",
        GUILDE_WORKER_STALE_AFTER_SECONDS="1",
        GUILDE_TEST_PERIODIC_LOG=str(log),
    )
    result = sample_tasks.slow.enqueue(3.0)
    command = guilde_command("worker", "--interval", "0.1", "--no-scheduler")
    with running(command, env, tmp_path / "w1.log") as first:
        assert wait_until(lambda: log.exists() and "start" in log.read_text(), timeout=30), (
            tmp_path / "w1.log"
        ).read_text()
        first.kill()  # SIGKILL in the middle of the task
        first.wait()
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.RUNNING
    with running(command, env, tmp_path / "w2.log"):
        assert wait_until(
            lambda: DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.SUCCESSFUL,
            timeout=60,
        ), (tmp_path / "w2.log").read_text()
    assert log.read_text().split() == ["start", "start", "end"]
    assert len(DBTaskResult.objects.get(pk=result.id).worker_ids) == 2
