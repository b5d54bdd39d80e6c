"""Closest in meaning: the search's meaning ranking (:func:`closest`, registered with
:mod:`guilde.search.selectors`, which checks what each viewer may see), and related
content as a viewer may see it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache

from guilde.search.models import SearchDocument
from guilde.search.selectors import community_rights, documents_q, permission_q
from guilde.semantic import services, vectors
from guilde.semantic.embedders import embedder, floor
from guilde.semantic.models import Embedding

# Extra candidates taken past ``k``, for those the check against the index drops.
MARGIN = 10


def closest(
    *, text: str, communities: list[int], kinds: tuple[str, ...] = vectors.KINDS, k: int = 10
) -> list[tuple[str, str, float]]:
    """The ``k`` (kind, key, cosine) of ``communities`` closest in meaning to ``text`` and
    closer than the embedder's floor, from the vector index (no permission check: the
    caller passes the communities the viewer reads, and checks the documents). Nothing
    while the worker has built no index (the query is then not embedded)."""
    if not text.strip() or not communities or vectors.current() is None:
        return []
    vector = embedder().embed([text])[0]
    found = vectors.nearest(vector, communities=communities, kinds=kinds, k=k)
    lowest = floor(text)
    return [(kind, key, score) for kind, key, score in found if score >= lowest]


# Related content -------------------------------------------------------------------------

RELATED = 5
RELATED_CACHE_SECONDS = 24 * 3600


@dataclass
class Related:
    kind: str
    key: str
    title: str
    url: str
    subtype: str
    status: str
    community_name: str
    similarity: float

    @property
    def closeness(self) -> int:
        return max(0, round(self.similarity * 100))


def _related_candidates(
    kind: str, key: str, communities: list[int], k: int
) -> list[tuple[str, str, float]]:
    """The threads, articles and events of ``communities`` closest to this one's own vector (its
    question, or its text), closer than the floor; itself left out."""
    part = Embedding.Part.QUESTION if kind == "thread" else Embedding.Part.TEXT
    stored = (
        Embedding.objects.filter(
            kind=kind, object_key=key, part=part, model=embedder().name, audience="community"
        )
        .only("vector")
        .first()
    )
    if stored is None:
        return []
    lowest = floor()
    return [
        (other_kind, other_key, score)
        for other_kind, other_key, score in vectors.nearest(
            services.vector_of(stored), communities=communities, k=k + 1
        )
        if (other_kind, other_key) != (kind, key) and score >= lowest
    ][:k]


def related(*, viewer: Any, kind: str, key: str, k: int = RELATED) -> list[Related]:
    """The threads, articles and events closest in meaning to one of them, as ``viewer``
    may see them (from any community they read).

    The candidates are cached per version of the vector index and per set of readable
    communities: the worker's next version (seconds after any thread or article changes)
    refreshes them, and two viewers share a list only when they read the same
    communities. Each request then checks the candidates against the search index."""
    index = vectors.current()
    if index is None:
        return []
    rights = community_rights(viewer)
    if not rights.readable:
        return []
    readable = hashlib.sha256(",".join(map(str, sorted(rights.readable))).encode()).hexdigest()
    cache_key = (
        f"semantic:related:{index.version[0]}-{index.version[1]}:{kind}:{key}:{readable[:24]}"
    )
    candidates = cache.get(cache_key)
    if candidates is None:
        candidates = _related_candidates(kind, key, rights.readable, k + MARGIN)
        cache.set(cache_key, candidates, RELATED_CACHE_SECONDS)
    shown = {
        (d.kind, d.object_key): d
        for d in SearchDocument.objects.filter(
            documents_q((c[0], c[1]) for c in candidates),
            permission_q(viewer, rights),
            audience="community",
        )
        .select_related("community")
        .only("kind", "object_key", "title", "url", "subtype", "status", "community__name")
    }
    found = [
        Related(
            kind=other_kind,
            key=other_key,
            title=document.title,
            url=document.url,
            subtype=document.subtype,
            status=document.status,
            community_name=document.community.name if document.community else "",
            similarity=score,
        )
        for other_kind, other_key, score in candidates
        if (document := shown.get((other_kind, other_key))) is not None
    ]
    return found[:k]
