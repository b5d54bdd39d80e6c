"""Retries with exponential backoff for tasks that ask for them.

Django's task framework runs a task once. A task that may meet a passing failure (an SMTP
server away, a webhook receiver down) wraps its function::

    @task()
    @with_retries(attempts=5, backoff=timedelta(seconds=30))
    def deliver_email(message): ...

On failure the wrapper enqueues the same task again with ``run_after`` pushed back
(30 s, 60 s, 120 s, ... with up to 10 % jitter so that failures do not retry in lockstep),
then lets the exception fail this attempt, so each attempt's traceback stays in its
result. The attempt number travels in the ``retry_attempt`` keyword.
"""

from __future__ import annotations

import functools
import logging
import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from django.tasks import Task
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

R = TypeVar("R")


def backoff_delay(base: timedelta, attempt: int, *, jitter: float = 0.1) -> timedelta:
    """The wait before attempt ``attempt + 1``: ``base * 2**(attempt-1)``, plus jitter."""
    factor: float = 2 ** (attempt - 1) * (1 + random.uniform(0, jitter))  # noqa: S311
    return base * factor


def with_retries(
    *,
    attempts: int,
    backoff: timedelta = timedelta(seconds=30),
    retry_on: tuple[type[BaseException], ...] = (Exception,),
) -> Callable[[Callable[..., R]], Callable[..., R]]:
    if attempts < 1:
        raise ValueError("attempts must be at least 1")

    def decorate(func: Callable[..., R]) -> Callable[..., R]:
        task_path = f"{func.__module__}.{func.__qualname__}"

        @functools.wraps(func)
        def run(*args: Any, retry_attempt: int = 1, **kwargs: Any) -> R:
            try:
                return func(*args, **kwargs)
            except retry_on:
                if retry_attempt >= attempts:
                    logger.error("%s failed for good after %d attempts", task_path, attempts)
                    raise
                delay = backoff_delay(backoff, retry_attempt)
                the_task: Task[..., R] = import_string(task_path)
                the_task.using(run_after=timezone.now() + delay).enqueue(
                    *args, retry_attempt=retry_attempt + 1, **kwargs
                )
                logger.warning(
                    "%s failed (attempt %d of %d); retrying in %s",
                    task_path,
                    retry_attempt,
                    attempts,
                    delay,
                )
                raise

        return run

    return decorate
