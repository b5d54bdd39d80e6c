"""Reading many rows while writing between them.

``queryset.iterator()`` keeps one read statement open across the loop. On SQLite that read
holds a snapshot of the database: when another process commits meanwhile, the loop's next
write transaction (``BEGIN IMMEDIATE``) fails at once with "database is locked"
(SQLITE_BUSY_SNAPSHOT, which no busy timeout waits out). The crash test found it in the
scheduled jobs that write per row. :func:`keyset_batches` reads a batch, closes the read,
and lets the caller write: the next batch starts after the last primary key seen.

Long jobs that write batch after batch call :func:`make_room` between their transactions,
so that the site's own writes are not starved of SQLite's one write lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.db.models import QuerySet


def keyset_batches[T](queryset: QuerySet[Any, T], *, size: int = 1000) -> Iterator[list[T]]:
    """The rows of ``queryset`` in primary-key order, ``size`` at a time, no read left open
    between batches. Rows of a ``values_list`` must start with ``pk``; of ``values``, hold
    ``pk``."""
    last: Any = None
    ordered = queryset.order_by("pk")
    while True:
        page = ordered if last is None else ordered.filter(pk__gt=last)
        rows = list(page[:size])
        if not rows:
            return
        yield rows
        if len(rows) < size:
            return
        tail: Any = rows[-1]
        last = (
            tail["pk"]
            if isinstance(tail, dict)
            else tail[0]
            if isinstance(tail, tuple)
            else tail.pk
        )


_room = threading.local()


def make_room(*, every: float = 0.5, pause: float = 0.15) -> None:
    """Called by a long batch job between two of its write transactions: on SQLite, once
    every ``every`` seconds, wait ``pause`` seconds with no transaction open.

    SQLite has one writer at a time; a writer that waits polls the lock every 100 ms once it
    has waited a while (its busy handler). A job committing batch after batch with only
    milliseconds between them can win the lock every time, so a page's write waits out its
    busy timeout and fails with "database is locked" (the crash test saw it while an import
    indexed its community). A pause longer than the poll interval every half second lets
    every waiter in, for at most a quarter of the job's time. PostgreSQL locks rows, not
    the database: no pause.
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return
    now = time.monotonic()
    last = getattr(_room, "at", None)
    if last is None or now - last > 60:  # a new job: count from now
        _room.at = now
    elif now - last >= every:
        time.sleep(pause)
        _room.at = time.monotonic()
