"""Tasks and periodic jobs used by the core tests (importable by path, as the worker needs)."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

from django.core.cache import cache
from django.core.mail.backends.base import BaseEmailBackend
from django.tasks import task

from guilde.core.retries import with_retries
from guilde.core.scheduling import every, periodic


class FlakyError(RuntimeError):
    pass


@task()
@with_retries(attempts=3, backoff=timedelta(seconds=10))
def flaky(key: str, failures: int) -> str:
    """Fails ``failures`` times (counted in the cache under ``key``), then succeeds."""
    attempts: int = cache.get_or_set(key, 0) or 0
    cache.set(key, attempts + 1)
    if attempts < failures:
        raise FlakyError(f"attempt {attempts + 1} fails")
    return "done"


@periodic(every(seconds=2))
@task()
def record_period() -> None:
    """Appends one line per run to the file named by GUILDE_TEST_PERIODIC_LOG."""
    log = os.environ.get("GUILDE_TEST_PERIODIC_LOG")
    if log:
        with Path(log).open("a") as out:
            out.write(f"{os.getpid()}\n")


@task()
def slow(seconds: float) -> None:
    """Writes "start", sleeps, writes "end" (to GUILDE_TEST_PERIODIC_LOG)."""
    log = Path(os.environ["GUILDE_TEST_PERIODIC_LOG"])
    with log.open("a") as out:
        out.write("start\n")
    time.sleep(seconds)
    with log.open("a") as out:
        out.write("end\n")


class BrokenEmailBackend(BaseEmailBackend):
    """A delivery mailer whose server is away."""

    def send_messages(self, email_messages: object) -> int:
        raise ConnectionRefusedError("the SMTP server is away")
