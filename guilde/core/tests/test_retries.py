from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from guilde.core.retries import backoff_delay
from guilde.core.testing import run_queued_tasks
from guilde.core.tests.sample_tasks import flaky


def test_backoff_doubles_with_bounded_jitter():
    base = timedelta(seconds=10)
    for attempt, expected in ((1, 10), (2, 20), (3, 40)):
        delay = backoff_delay(base, attempt).total_seconds()
        assert expected <= delay <= expected * 1.1


def _make_retries_due() -> None:
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(run_after=timezone.now())


@pytest.mark.django_db
def test_a_failing_task_is_retried_later_until_it_succeeds():
    cache.delete("flaky-1")
    flaky.enqueue("flaky-1", failures=2)

    assert run_queued_tasks() == 1
    retry = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    assert retry.args_kwargs["kwargs"]["retry_attempt"] == 2
    assert retry.run_after >= timezone.now() + timedelta(seconds=9)

    _make_retries_due()
    run_queued_tasks()
    _make_retries_due()
    run_queued_tasks()

    statuses = list(DBTaskResult.objects.order_by("enqueued_at").values_list("status", flat=True))
    assert statuses == ["FAILED", "FAILED", "SUCCESSFUL"]
    assert DBTaskResult.objects.get(status="SUCCESSFUL").return_value == "done"


@pytest.mark.django_db
def test_retries_stop_after_the_last_attempt():
    cache.delete("flaky-2")
    flaky.enqueue("flaky-2", failures=10)
    for _ in range(5):
        _make_retries_due()
        run_queued_tasks()
    assert DBTaskResult.objects.count() == 3  # attempts=3
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"FAILED"}
    last = DBTaskResult.objects.order_by("-enqueued_at").first()
    assert last is not None
    assert "FlakyError" in last.exception_class_path
