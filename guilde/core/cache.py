"""The embedded deployment's shared cache: Django's file cache, culled now and then.

Django's ``FileBasedCache`` lists its whole folder at every write to see whether it holds
more than ``MAX_ENTRIES`` files; the rate limiter writes at every request, so under load
each request paid for a directory listing (and the processes queued on the folder's lock).
:class:`FileCache` culls at most once every :data:`CULL_SECONDS` in each thread (Django makes
one cache object per thread); between two culls the folder can hold a little more than
``MAX_ENTRIES`` files.
"""

from __future__ import annotations

import time

from django.core.cache.backends.filebased import FileBasedCache

CULL_SECONDS = 30.0


class FileCache(FileBasedCache):
    _next_cull = 0.0  # per instance once set: Django makes one per thread

    def _cull(self) -> None:
        now = time.monotonic()
        if now < self._next_cull:
            return
        self._next_cull = now + CULL_SECONDS
        super()._cull()  # type: ignore[misc]  # Django's, not in the stubs
