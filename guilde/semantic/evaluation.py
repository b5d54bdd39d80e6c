"""The duplicate-question evaluation's semantic and hybrid modes
(``guilde eval-search DUMP --mode semantic|hybrid``): the protocol of
:mod:`guilde.search.evaluation`, ranked by the search selector in that mode — what the
search page and the API rank."""

from __future__ import annotations

from guilde.search import evaluation
from guilde.semantic import services, vectors


def prepare() -> None:
    """Vectors for every question, and the index, synchronously (no worker assumed)."""
    services.embed_all(only_stale=True)
    vectors.refresh()


def semantic_ranking(query: str, *, duplicate: int) -> list[str]:
    return evaluation.ranked_questions("semantic", query, duplicate)


def hybrid_ranking(query: str, *, duplicate: int) -> list[str]:
    return evaluation.ranked_questions("hybrid", query, duplicate)


evaluation.register_mode("semantic", semantic_ranking, prepare)
evaluation.register_mode("hybrid", hybrid_ranking, prepare)
