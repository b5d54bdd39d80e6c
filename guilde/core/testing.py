"""Helpers the test suites of every app share (imported by tests only)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.db import connection
from django.test.utils import CaptureQueriesContext

from guilde.core.worker import run_ready_tasks

ROOT = Path(__file__).resolve().parent.parent.parent


def run_queued_tasks(*, limit: int = 1000) -> int:
    """Run every task ready now (and those they enqueue), as ``guilde worker --batch`` does."""
    return run_ready_tasks(limit=limit)


def count_queries(action: Callable[[], Any]) -> tuple[int, list[str]]:
    """Run ``action`` and return how many SQL queries it issued, and their text."""
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured.captured_queries), [q["sql"] for q in captured.captured_queries]


def assert_constant_queries(
    *,
    setup: Callable[[int], Any],
    action: Callable[[], Any],
    small: int = 1,
    large: int = 20,
) -> int:
    """Assert that ``action`` costs as many queries with ``large`` items as with ``small``.

    ``setup(n)`` brings the data to ``n`` items (it is called with ``small`` then with
    ``large``, so it adds the difference). At each size the action runs once before it
    is counted, so that one-time work (a settings row created on first use, a read marker
    moved forward) is not counted: what is compared is a page seen again.
    Returns the query count.
    """
    setup(small)
    action()
    few, few_sql = count_queries(action)
    setup(large)
    action()
    many, many_sql = count_queries(action)
    if few != many:
        longer, shorter = (many_sql, few_sql) if many > few else (few_sql, many_sql)
        extra = "\n".join(longer[len(shorter) :][:10])
        raise AssertionError(
            f"{few} queries with {small} items but {many} with {large}: "
            f"the count depends on the data.\nFirst extra queries:\n{extra}"
        )
    return many


def database_url() -> str:
    """The URL of the database the test is using, for child processes."""
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    user = quote(params.get("USER") or "")
    password = f":{quote(params['PASSWORD'])}" if params.get("PASSWORD") else ""
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{params['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def guilde_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "guilde", *args]


def child_environment(**extra: str) -> dict[str, str]:
    """The environment for a ``guilde`` child process that shares the test's database."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": database_url(),
        "PYTHONPATH": str(ROOT),
    }
    env.update(extra)
    return env


@contextmanager
def running(
    command: list[str], env: Mapping[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a child process for the duration of a block; stop it (SIGTERM) afterwards."""
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (test commands)
            command, env=dict(env), stdout=out, stderr=subprocess.STDOUT, cwd=ROOT
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def wait_until(predicate: Callable[[], bool], *, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def chromium_path() -> str | None:
    return shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
