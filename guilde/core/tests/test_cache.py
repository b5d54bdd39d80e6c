"""The embedded deployment's file cache culls now and then, not at every write."""

from __future__ import annotations

from pathlib import Path

import pytest

from guilde.core import cache as file_cache


def _files(folder: Path) -> int:
    return len(list(folder.glob("*.djcache")))


def test_the_file_cache_culls_at_most_every_cull_seconds(tmp_path, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr("guilde.core.cache.time.monotonic", lambda: clock[0])
    cache = file_cache.FileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 10}})
    listings: list[int] = []
    list_files = getattr(cache, "_list_cache_files")  # noqa: B009 (Django's, not in the stubs)

    def listed() -> list[str]:
        listings.append(1)
        return list(list_files())

    monkeypatch.setattr(cache, "_list_cache_files", listed)
    for number in range(30):
        cache.set(f"key-{number}", number)
    assert len(listings) == 1  # once, at the first write, not at every one
    assert _files(tmp_path) == 30  # over MAX_ENTRIES until the next cull
    assert cache.get("key-29") == 29
    clock[0] += file_cache.CULL_SECONDS
    cache.set("one-more", 1)
    assert len(listings) == 2
    assert _files(tmp_path) < 30  # culled (Django removes a third)


def test_the_default_cache_without_redis_is_the_file_cache():
    from config import settings as production  # the tests' own settings use memory caches

    if production.REDIS_URL:
        pytest.skip("Redis is the cache here")
    assert production.CACHES["default"]["BACKEND"] == "guilde.core.cache.FileCache"
