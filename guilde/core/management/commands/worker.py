"""``guilde worker``: run background tasks and the periodic-job scheduler."""

from __future__ import annotations

import logging
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from guilde.core.scheduling import Scheduler, discover_periodic_jobs

logger = logging.getLogger("guilde.worker")


class Command(BaseCommand):
    help = "Run background tasks and the scheduler of periodic jobs."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--queue-name",
            default="*",
            help="Queues to process, comma-separated; '*' for all (default).",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=0.5,
            help="Seconds to wait when the queue is empty (default 0.5).",
        )
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Run the tasks already queued, then exit (no scheduler).",
        )
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="Run tasks only; leave periodic jobs to other workers.",
        )
        parser.add_argument("--worker-id", default="", help="Unique id (default: random).")

    def handle(self, *args: Any, **options: Any) -> None:
        worker_id: str = options["worker_id"] or get_random_string(32)
        worker = Worker(
            queue_names=options["queue_name"].split(","),
            interval=options["interval"],
            batch=options["batch"],
            backend_name="default",
            startup_delay=not options["batch"],
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        # A batch worker beats too (its tasks are not taken for orphans) but schedules nothing.
        jobs = [] if options["batch"] else discover_periodic_jobs()
        scheduling = not (options["no_scheduler"] or options["batch"])
        scheduler = Scheduler(worker_id=worker_id, jobs=jobs)
        if scheduling:
            for job in jobs:
                logger.info("periodic job %s: %s", job.name, job.schedule.describe())
        scheduler.start_thread(scheduling=scheduling)
        logger.info("worker %s started", worker_id)
        if not options["batch"]:
            worker.configure_signals()
        try:
            worker.run()
        finally:
            scheduler.stop()
            scheduler.forget_heartbeat()
            logger.info("worker %s stopped", worker_id)
