"""The vector index: exact search over every current vector, memory-mapped.

The worker writes the index into files named after a version (``<version>-<token>.npy``
and ``….meta.npy`` in ``vectors/`` under the data directory, or ``GUILDE_VECTOR_DIR``)
and records that version in the database (:class:`VectorIndexVersion`); each process
checks the row at most every :data:`CHECK_SECONDS` and maps the newest files, so several
processes on a machine share one copy in the page cache and see new content as soon as
the worker has rebuilt it. A process that finds no file for the current version (another
machine than the worker's) builds it itself, under a file lock.

Rows: one per vector of a thread (question, accepted answer) or article the search index
holds outside drafts, for the current embedder. The metadata (kind, key, community) lets
a search mask what the viewer may not see *before* the top results are cut
(:func:`nearest`).
"""

from __future__ import annotations

import fcntl
import os
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max

from guilde.semantic.embedders import embedder
from guilde.semantic.models import Embedding, VectorIndexVersion

CHECK_SECONDS = 2.0
KINDS = ("thread", "article")  # kind codes in the metadata: their positions
KEEP_VERSIONS = 2


@dataclass
class Index:
    version: tuple[int, str]
    vectors: np.ndarray  # (n, dimensions) float32, unit rows
    meta: np.ndarray  # (n, 3) int64: kind code, object key, community id

    def __len__(self) -> int:
        return int(self.vectors.shape[0])


def directory() -> Path:
    configured = getattr(settings, "GUILDE_VECTOR_DIR", None)
    return Path(configured) if configured else Path(settings.DATA_DIR) / "vectors"


Version = tuple[int, str]  # the number, and the token naming its files


def _paths(version: Version) -> tuple[Path, Path]:
    name = f"{version[0]}-{version[1]}"
    return directory() / f"{name}.npy", directory() / f"{name}.meta.npy"


def _write(version: Version) -> None:
    """The files of ``version`` from the database (written aside, then renamed)."""
    model = embedder()
    rows = Embedding.objects.filter(audience="community", model=model.name).order_by("pk")
    count = rows.count()
    vectors = np.zeros((count, model.dimensions), dtype=np.float32)
    meta = np.zeros((count, 3), dtype=np.int64)
    i = 0
    for kind, key, community, vector in rows.values_list(
        "kind", "object_key", "community_id", "vector"
    ).iterator(chunk_size=2000):
        if i == count:  # rows added since the count: the next version has them
            break
        vectors[i] = np.frombuffer(bytes(vector), dtype=np.float32)
        meta[i] = (KINDS.index(kind), int(key), community)
        i += 1
    vectors_path, meta_path = _paths(version)
    vectors_path.parent.mkdir(parents=True, exist_ok=True)
    for path, array in ((vectors_path, vectors[:i]), (meta_path, meta[:i])):
        partial = path.with_suffix(f".{os.getpid()}.part")
        with partial.open("wb") as out:
            np.save(out, array)
        partial.replace(path)


def _ensure_files(version: Version) -> None:
    vectors_path, meta_path = _paths(version)
    if vectors_path.exists() and meta_path.exists():
        return
    directory().mkdir(parents=True, exist_ok=True)
    with (directory() / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one builder per machine
        if not (vectors_path.exists() and meta_path.exists()):
            _write(version)


def _source() -> tuple[int, datetime | None]:
    """How many vectors there are, and when the last changed (a deletion changes the
    count: vectors are only ever deleted, inserted or rewritten)."""
    found = Embedding.objects.aggregate(count=Count("pk"), latest=Max("updated_at"))
    return int(found["count"]), found["latest"]


def refresh() -> int | None:
    """Build a new version if the vectors changed since the last (the worker, every few
    seconds). Returns the new version's rows, ``None`` when nothing changed."""
    state = VectorIndexVersion.objects.filter(pk=1).first()
    count, latest = _source()
    if state and state.version and (state.vectors, state.latest_change) == (count, latest):
        return None
    return rebuild()


def rebuild() -> int:
    """Write a new version of the index and record it (the worker). Returns its rows."""
    with transaction.atomic():
        state, _created = VectorIndexVersion.objects.select_for_update().get_or_create(pk=1)
        state.version += 1
        state.token = secrets.token_hex(8)
        state.vectors, state.latest_change = _source()
        state.save()
    version = (state.version, state.token)
    _ensure_files(version)
    for old in directory().glob("*.npy"):  # older versions, once nobody should map them
        number = old.name.split("-", 1)[0]
        if number.isdigit() and int(number) <= state.version - KEEP_VERSIONS:
            old.unlink(missing_ok=True)
    return len(_load(version))


def _load(version: Version) -> Index:
    _ensure_files(version)
    vectors_path, meta_path = _paths(version)
    return Index(
        version=version,
        vectors=np.load(vectors_path, mmap_mode="r"),
        meta=np.load(meta_path, mmap_mode="r"),
    )


_lock = threading.Lock()
_current: Index | None = None
_checked = 0.0


def current() -> Index | None:
    """This process's map of the newest index (``None`` before the worker built one)."""
    global _current, _checked
    with _lock:
        now = time.monotonic()
        if _current is not None and now - _checked < CHECK_SECONDS:
            return _current
        _checked = now
        found = list(VectorIndexVersion.objects.filter(pk=1).values_list("version", "token"))
        latest = found[0] if found else (0, "")
        if latest[0] == 0:
            _current = None
        elif _current is None or _current.version != latest:
            _current = _load(latest)
        return _current


def forget() -> None:
    """Drop this process's map (tests; a changed data directory)."""
    global _current, _checked
    with _lock:
        _current, _checked = None, 0.0


def nearest(
    vector: np.ndarray, *, communities: list[int], kinds: tuple[str, ...] = KINDS, k: int = 50
) -> list[tuple[str, str, float]]:
    """The ``k`` (kind, key, cosine) closest to ``vector`` among the rows of ``kinds`` in
    ``communities`` — masked before the top ``k`` is cut."""
    index = current()
    if index is None or not len(index) or not communities:
        return []
    mask = np.isin(index.meta[:, 2], np.asarray(communities, dtype=np.int64))
    if kinds != KINDS:
        mask &= np.isin(index.meta[:, 0], [KINDS.index(kind) for kind in kinds])
    allowed = int(np.count_nonzero(mask))
    if not allowed:
        return []
    # Every row scored in one pass over the mapped file (no copy of the allowed rows), the
    # others set below any cosine before the top is cut.
    scores = index.vectors @ np.asarray(vector, dtype=np.float32)
    scores[~mask] = -np.inf
    # A thread has up to two rows (question, answer) and scores by the closer: twice
    # ``k`` rows always hold ``k`` different things.
    top = min(2 * k, allowed)
    best = np.argpartition(-scores, top - 1)[:top]
    best = best[np.argsort(-scores[best], kind="stable")]
    found: dict[tuple[str, str], float] = {}
    for row in best:
        kind_code, key = int(index.meta[row, 0]), int(index.meta[row, 1])
        found.setdefault((KINDS[kind_code], str(key)), float(scores[row]))
        if len(found) == k:
            break
    return [(kind, key, score) for (kind, key), score in found.items()]
