"""The duplicate-question evaluation's semantic and hybrid modes
(``guilde eval-search DUMP --mode semantic|hybrid``): the protocol of
:mod:`guilde.search.evaluation`, ranked by meaning, or fused with the keyword ranking."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from guilde.search import evaluation, ranking
from guilde.semantic import services, vectors
from guilde.semantic.selectors import nearest


def prepare() -> None:
    """Vectors for every question, and the index, synchronously (no worker assumed)."""
    services.embed_all(only_stale=True)
    vectors.refresh()


def semantic_ranking(query: str, *, duplicate: int) -> list[str]:
    return [
        key
        for _kind, key, _score in nearest(
            viewer=AnonymousUser(),
            text=query,
            kinds=("thread",),
            k=evaluation.DEPTH,
            exclude=frozenset({("thread", str(duplicate))}),
        )
    ]


def hybrid_ranking(query: str, *, duplicate: int) -> list[str]:
    return ranking.fuse(
        evaluation.keyword_ranking(query, duplicate=duplicate),
        semantic_ranking(query, duplicate=duplicate),
    )


evaluation.register_mode("semantic", semantic_ranking, prepare)
evaluation.register_mode("hybrid", hybrid_ranking, prepare)
