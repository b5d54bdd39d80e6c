"""Nearest threads and articles by meaning, and related content, as a viewer may see them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Q

from guilde.communities.models import Community
from guilde.search.models import SearchDocument
from guilde.search.selectors import community_rights, permission_q
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


def nearest(
    *,
    viewer: Any,
    text: str,
    kinds: tuple[str, ...] = vectors.KINDS,
    community: Community | None = None,
    k: int = 10,
    exclude: frozenset[tuple[str, str]] = frozenset(),
) -> list[tuple[str, str, float]]:
    """The ``k`` (kind, key, cosine) closest in meaning to ``text`` that ``viewer`` may
    see: the vector index is masked to the communities the viewer reads before its top
    is cut, then each candidate is checked against the search index (the vector index
    may lag behind a thread hidden or moved seconds ago)."""
    readable = community_rights(viewer).readable
    communities = [c for c in readable if community is None or c == community.pk]
    found = closest(text=text, communities=communities, kinds=kinds, k=k + len(exclude) + MARGIN)
    permitted = set(
        SearchDocument.objects.filter(
            permission_q(viewer),
            kind__in=kinds,
            audience="community",
            object_key__in=[key for _kind, key, _score in found],
        ).values_list("kind", "object_key")
    )
    return [
        (kind, key, score)
        for kind, key, score in found
        if (kind, key) in permitted and (kind, key) not in exclude
    ][:k]


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
    """The threads and articles of ``communities`` closest to this one's own vector (its
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
    """The threads and articles closest in meaning to a thread or article, as ``viewer``
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
    wanted = Q(pk__in=[])
    for other_kind in {c[0] for c in candidates}:
        wanted |= Q(
            kind=other_kind, object_key__in=[c[1] for c in candidates if c[0] == other_kind]
        )
    shown = {
        (d.kind, d.object_key): d
        for d in SearchDocument.objects.filter(
            wanted, permission_q(viewer, rights), audience="community"
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
