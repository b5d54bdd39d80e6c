"""Each test's vector index in its own directory, checked at every search."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from guilde.semantic import vectors


@pytest.fixture(autouse=True)
def own_directory(settings: Any, tmp_path: Any, monkeypatch: Any) -> Iterator[None]:
    settings.GUILDE_VECTOR_DIR = str(tmp_path / "vectors")
    monkeypatch.setattr(vectors, "CHECK_SECONDS", 0.0)
    vectors.forget()
    yield
    vectors.forget()
