"""Semantic search latency on a large vector index: embedding the query, then the nearest
vectors the viewer may see (``guilde.semantic.vectors.nearest``: mask by community, exact
scores, top k).

The index holds ``--documents`` synthetic unit vectors (512 dimensions, seed 1) spread
over 50 communities, two kinds, written and mapped exactly as the worker writes and the
web processes map them (a throwaway data folder: its own SQLite database for the version
row, its own ``vectors/``). Embedding a hundred thousand real posts takes the worker half
an hour on two cores; the speed of a search does not depend on what the vectors mean.
The queries are real texts, embedded by the real embedder, timed with the search.

Reported: p50/p95/max of the query's embedding, of the masked search alone and of both
(what a semantic search costs before its page is loaded), for a viewer who reads 40 of
the 50 communities; the index's size on disk and the memory a process adds by mapping it
and searching (its pages are shared by every process of the machine through the page
cache). The hybrid ranking's own cost (the keyword search, bench/search.py, and a fusion
of two lists of 100) comes on top; it is measured there once the search page ranks both.

    .venv/bin/python bench/semantic.py [--documents 100000] [--queries 200]

Prints one JSON document; its last line is the JSON on one line.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COMMUNITIES = 50
READABLE = 40
WORDS = [
    "brew",
    "ferment",
    "hops",
    "yeast",
    "mash",
    "boil",
    "chill",
    "bottle",
    "keg",
    "sanitise",
    "clean",
    "aroma",
    "bitter",
    "sour",
    "lager",
    "ale",
    "stout",
    "malt",
    "grain",
    "water",
    "temperature",
    "gravity",
    "carbonation",
    "infection",
    "recipe",
]


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="guilde-bench-semantic-") as data:
        os.environ["GUILDE_DATA_DIR"] = data
        os.environ.pop("DATABASE_URL", None)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        guilde = str(ROOT / ".venv" / "bin" / "guilde")
        subprocess.run([guilde, "migrate", "-v0"], check=True)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        result = measure(options.documents, options.queries)
    print(json.dumps(result, indent=1))
    print(json.dumps(result))


def measure(documents: int, queries: int) -> dict[str, Any]:
    import numpy as np

    from bench.search import timings
    from guilde.semantic import vectors
    from guilde.semantic.embedders import embedder
    from guilde.semantic.models import VectorIndexVersion

    model = embedder()
    generator = np.random.default_rng(1)
    matrix = generator.standard_normal((documents, model.dimensions), dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    meta = np.zeros((documents, 3), dtype=np.int64)
    meta[:, 0] = generator.integers(0, len(vectors.KINDS), documents)
    meta[:, 1] = np.arange(1, documents + 1)
    meta[:, 2] = generator.integers(1, COMMUNITIES + 1, documents)
    version = (1, "bench")
    vectors_path, meta_path = vectors._paths(version)
    vectors_path.parent.mkdir(parents=True, exist_ok=True)
    np.save(vectors_path, matrix)
    np.save(meta_path, meta)
    del matrix
    VectorIndexVersion.objects.update_or_create(pk=1, defaults={"version": 1, "token": "bench"})
    vectors.forget()

    chooser = random.Random(1)
    texts = [" ".join(chooser.sample(WORDS, chooser.randint(3, 9))) for _ in range(queries)]
    readable = list(range(1, READABLE + 1))
    model.embed(["warm up"])  # loads the model: once per process
    before = rss_mb()
    for text in texts[:10]:  # maps the index, touches its pages
        vectors.nearest(model.embed([text])[0], communities=readable, k=50)
    mapped = rss_mb()

    embedding: list[float] = []
    searching: list[float] = []
    both: list[float] = []
    found: list[int] = []
    for text in texts:
        started = time.perf_counter()
        vector = model.embed([text])[0]
        embedded = time.perf_counter()
        nearest = vectors.nearest(vector, communities=readable, k=50)
        done = time.perf_counter()
        embedding.append((embedded - started) * 1000)
        searching.append((done - embedded) * 1000)
        both.append((done - started) * 1000)
        found.append(len(nearest))
    return {
        "benchmark": "semantic search (query embedding and masked exact nearest vectors)",
        "documents": documents,
        "dimensions": model.dimensions,
        "embedder": model.name,
        "queries": queries,
        "viewer_reads_communities": f"{READABLE} of {COMMUNITIES}",
        "k": 50,
        "results_median": statistics.median(found),
        "embedding": timings(embedding),
        "search": timings(searching),
        "embedding_and_search": timings(both),
        "index_on_disk_mb": round(
            (vectors_path.stat().st_size + meta_path.stat().st_size) / 1024 / 1024, 1
        ),
        "process_rss_added_by_index_mb": round(mapped - before, 1),
        "machine": {
            "host": platform.node(),
            "arch": platform.machine(),
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
        },
        "ran_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


if __name__ == "__main__":
    main()
