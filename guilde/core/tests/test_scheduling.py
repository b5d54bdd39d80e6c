from __future__ import annotations

import itertools
import time
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
