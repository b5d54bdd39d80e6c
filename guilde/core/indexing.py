"""The one indexing rule: a service that changes searchable content says so, in its
transaction, and the index changes with it.

Services call::

    indexing.changed("post", post.pk)
    indexing.changed("thread", thread.pk, with_posts=True)

The search app registers the handler (apps below it cannot import it); the handler re-reads
the object and writes, updates or removes its search documents in the same transaction,
so a rolled-back write leaves the index as it was and a committed one is searchable at once.
Kinds: ``thread`` (its document, and its replies' status; ``with_posts`` re-reads every
reply: moves, merges, hiding or restoring a whole thread), ``post``, ``article``,
``event``, ``community``, ``member``, ``upload`` and ``community_content`` (everything in
a community: imports and generated data). Slow work (embeddings, attachment text) is not
done here: the handler enqueues it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Handler = Callable[..., None]
_handlers: list[Handler] = []


def register(handler: Handler) -> None:
    if handler not in _handlers:
        _handlers.append(handler)


def changed(kind: str, *ids: Any, **options: Any) -> None:
    """Objects of ``kind`` with primary keys ``ids`` were created, changed or removed."""
    ids = tuple(pk for pk in ids if pk is not None)
    if not ids:
        return
    for handler in _handlers:
        handler(kind, ids, **options)
