"""Nearest threads and articles by meaning, as a viewer may see them."""

from __future__ import annotations

from typing import Any

from guilde.communities.models import Community
from guilde.search.models import SearchDocument
from guilde.search.selectors import community_rights, permission_q
from guilde.semantic import vectors
from guilde.semantic.embedders import embedder, floor

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
    lowest = floor()
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
