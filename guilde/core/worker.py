"""Running queued tasks in the current process (the demo loader, the tests)."""

from __future__ import annotations

from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def run_ready_tasks(*, limit: int = 10_000) -> int:
    """Run every task ready now, and those they enqueue; returns how many ran.

    Unlike the worker's own loop, this never closes the database connection, so it can
    run inside a transaction (a test's). Tasks scheduled for later stay queued.
    """
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="in-process",
        excluded_queue_names=[],
    )
    ran = 0
    while (result := DBTaskResult.objects.ready().first()) is not None:
        if ran >= limit:
            raise RuntimeError(f"tasks keep enqueueing tasks: stopped after {limit}")
        result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1
    return ran
