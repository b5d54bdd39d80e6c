"""Demo data: the search index over everything the other apps' demos created."""

from __future__ import annotations

from typing import TextIO

from guilde.search import index


def load(out: TextIO) -> None:
    documents = index.rebuild()
    out.write(f"Search index: {documents} documents.\n")
