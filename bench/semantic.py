"""Semantic and hybrid search on a large index, and how soon a new thread is found by
meaning through another process.

**Large index** (``--documents``, 100,000). A throwaway instance (its own data folder, its
own SQLite database) holding that many threads of one post each, written with the
canonical generator's members, communities (50, Zipf sizes, some private or hidden, a
quarter in French) and texts (guilde/importers/generator.py; no replies, votes or accepted
answers), and indexed for search as the services index them. Each thread has a synthetic
vector (512 dimensions, unit length, seed 1) stored as the worker stores an embedding; the
vector index is then built from them by ``guilde.semantic.vectors.rebuild``, as the worker
builds it (its time is reported: the worker spends it whenever a vector changed). Embedding
a hundred thousand real posts takes the worker half an hour on two cores; the speed of a
search does not depend on what the vectors mean. The viewer is a member who reads 40 of
the 50 communities.

Timed, with ``time.perf_counter`` around each call, queries embedded by the real embedder:

- ``embedding``, ``search``, ``embedding_and_search``: the query's embedding and the
  masked exact search alone (``vectors.nearest``, top 50: what meaning costs before a page
  is loaded), for ``--queries`` short texts of brewing words;
- ``selector``: the whole search through ``guilde.search.selectors.search`` (permissions,
  facets, the page, snippets: what the search page and the API pay) for ``--queries``
  thread titles cut to 2 to 4 words (bench/search.py's queries: their words match much of
  the index), in each mode in turn: ``semantic`` (by meaning), ``hybrid`` (words and
  meaning fused, the default) and ``keyword`` (the words alone, for scale). Random
  vectors all lie far below the embedder's floor (no meaning would be offered): the floor
  is lowered so that every search's meaning half brings its full 100, each checked against
  the search index and fused — the most a search does.
  The hybrid searches are then timed again while another process keeps one core busy
  (``hybrid_one_core_busy``), as a server's other requests do: numpy's BLAS threads, which
  the embedder uses, then wait for that core.

Reported: p50/p95/max; the index's size on disk; the memory a process adds by mapping
the index and searching (``process_rss_added_by_index_mb``) and the index's pages resident
in it (``index_resident_in_process_mb``, from /proc/self/smaps) — pages every process of
the machine shares through the page cache.

**Across processes** (``cross_process``, ``--threads``, 5): guilde/semantic/testing.py's
instance (two ``guilde serve --web-only`` processes and a ``guilde worker``, default
settings, SQLite, a few threads). Questions written in French through the first web
process, each after a random pause of up to 5 s (so that they fall anywhere in the
worker's period); after each creation's response, the API of the second is asked every
0.1 s for the question's English rewording, by meaning, until the thread is listed: the
delay runs from the response to the first search that finds it (the worker embeds the
thread, rebuilds the index every 5 s, and the web process looks for a new index every
2 s). A first thread, not counted, loads the embedder in the worker and the second web
process.

    .venv/bin/python bench/semantic.py [--documents 100000] [--queries 200] [--threads 5]
        [--data FOLDER]

The large index's instance takes about two minutes to build; ``--data`` keeps it for the
next run (as var/bench is kept for the page benchmarks).

Prints one JSON document; its last line is the JSON on one line.
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

COMMUNITIES = 50
READABLE = 40
MEMBERS = 2_000
K = 50
VIEWER = "bench-viewer"
HYBRID_TARGET_P95_MS = 80.0
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


def resident_mb(folder: Path) -> float:
    """The pages of files under ``folder`` mapped and resident in this process."""
    total_kb, counting = 0, False
    with open("/proc/self/smaps", encoding="utf-8", errors="replace") as smaps:
        for line in smaps:
            fields = line.split()
            if "-" in fields[0] and len(fields) >= 5:  # a mapping's header line
                counting = len(fields) >= 6 and fields[5].startswith(str(folder))
            elif counting and fields[0] == "Rss:":
                total_kb += int(fields[1])
    return round(total_kb / 1024, 1)


@contextmanager
def one_core_busy() -> Iterator[None]:
    """Another process spinning on one core for the duration of the block."""
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        yield
    finally:
        spinner.kill()
        spinner.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--threads", type=int, default=5, help="0: no cross-process run")
    parser.add_argument(
        "--data",
        type=Path,
        help="keep the large index's instance in this folder: made when missing, reused "
        "after (the measurement then starts at once)",
    )
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from bench.report import emit

    with tempfile.TemporaryDirectory(prefix="guilde-bench-semantic-") as throwaway:
        data = (options.data or Path(throwaway)).resolve()
        data.mkdir(parents=True, exist_ok=True)
        os.environ["GUILDE_DATA_DIR"] = str(data)
        os.environ.pop("DATABASE_URL", None)
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
        guilde = str(ROOT / ".venv" / "bin" / "guilde")
        subprocess.run([guilde, "migrate", "-v0"], check=True)
        import django

        django.setup()
        # Other work on the machine slows the embedder most (its BLAS threads wait for a
        # core): the load average before and after the large index's measurements says
        # whether there was any (this process and the spinner count for about one).
        before = os.getloadavg()[0]
        result = measure(data, options.documents, options.queries)
        load = {"before": round(before, 2), "after": round(os.getloadavg()[0], 2)}
        crossing = cross_process(options.threads) if options.threads else None
    emit({**result, "load_average_1min": load, "cross_process": crossing})


# The large index -----------------------------------------------------------------------


def build(documents: int) -> dict[str, Any]:
    """``documents`` threads of one post, indexed, each with a synthetic vector."""
    import numpy as np
    from django.db import transaction

    from guilde.discussions.models import Post, Thread
    from guilde.importers.generator import CHUNK, Generator, _zipf_weights
    from guilde.search.models import Kind, SearchDocument
    from guilde.semantic.embedders import embedder
    from guilde.semantic.models import Embedding

    class OnePostThreads(Generator):
        """The canonical generator with threads of one post: 100,000 threads through its
        law of thread lengths would take 870,000 posts."""

        def _threads_and_posts(self, communities: list[Any]) -> None:
            by_size = _zipf_weights(len(communities), 0.9)
            activity = {c.pk: _zipf_weights(len(people), 1.1) for c, people, _t, _l in communities}
            for start in range(0, self.posts, CHUNK):
                threads, posts = [], []
                for _ in range(min(CHUNK, self.posts - start)):
                    community, people, _tags, language = communities[
                        bisect.bisect(by_size, self.random.random() * by_size[-1])
                    ]
                    created = self._moment()
                    author = self._who(people, activity[community.pk])
                    body, html = self._body(language)
                    kind = self.random.choices(
                        ("question", "discussion", "idea", "announcement"), (50, 35, 10, 5)
                    )[0]
                    threads.append(
                        Thread(
                            community_id=community.pk,
                            kind=kind,
                            title=self._title(language),
                            author_id=author,
                            created_at=created,
                            last_activity_at=created,
                            last_position=1,
                        )
                    )
                    posts.append(
                        Post(
                            position=1,
                            author_id=author,
                            body=body,
                            body_html=html,
                            created_at=created,
                        )
                    )
                with transaction.atomic():
                    Thread.objects.bulk_create(threads)
                    for thread, post in zip(threads, posts, strict=True):
                        post.thread = thread
                    Post.objects.bulk_create(posts)
            self.counts.update(threads=self.posts, posts=self.posts)

    started = time.monotonic()
    counts = OnePostThreads(members=MEMBERS, posts=documents, communities=COMMUNITIES, seed=1).run()
    generated = time.monotonic() - started
    model = embedder()
    generator = np.random.default_rng(1)
    threads = SearchDocument.objects.filter(kind=Kind.THREAD, audience="community").order_by("pk")
    rows = list(threads.values_list("object_key", "community_id"))
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        matrix = generator.standard_normal((len(chunk), model.dimensions), dtype=np.float32)
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
        with transaction.atomic():
            Embedding.objects.bulk_create(
                Embedding(
                    kind="thread",
                    object_key=key,
                    part=Embedding.Part.QUESTION,
                    community_id=community,
                    audience="community",
                    model=model.name,
                    dimensions=model.dimensions,
                    vector=vector.tobytes(),
                    digest="synthetic",
                )
                for (key, community), vector in zip(chunk, matrix, strict=True)
            )
    return {
        "threads": counts["threads"],
        "articles": counts["articles"],
        "members": counts["members"],
        "search_documents": SearchDocument.objects.count(),
        "vectors": len(rows),
        "generated_and_indexed_seconds": round(generated, 1),
        "vectors_written_seconds": round(time.monotonic() - started - generated, 1),
    }


def viewer_reading(count: int) -> None:
    """A member who reads ``count`` communities: every public one, and private or hidden
    ones they belong to (:data:`VIEWER`)."""
    from django.utils import timezone

    from guilde.accounts.models import User
    from guilde.communities.models import Community, Membership

    public = Community.objects.filter(visibility=Community.Visibility.PUBLIC).count()
    if public > count:
        raise SystemExit(f"{public} public communities: no member reads only {count}")
    viewer = User.objects.create_user(VIEWER, f"{VIEWER}@example.invalid", None)
    joined = Community.objects.exclude(visibility=Community.Visibility.PUBLIC).order_by("pk")
    Membership.objects.bulk_create(
        Membership(community=c, member=viewer, joined_at=timezone.now())
        for c in joined[: count - public]
    )


def measure(data: Path, documents: int, queries: int) -> dict[str, Any]:
    from django.conf import settings

    from guilde.accounts.models import User
    from guilde.search.selectors import community_rights
    from guilde.semantic import vectors
    from guilde.semantic.embedders import embedder

    made = data / "bench-dataset.json"  # what was built, once it all was
    if made.exists():
        dataset = json.loads(made.read_text())
        if dataset["vectors"] != documents:
            raise SystemExit(f"{data} holds {dataset['vectors']} vectors, not {documents}")
    else:
        dataset = build(documents)
        viewer_reading(READABLE)
        made.write_text(json.dumps(dataset))
    started = time.monotonic()
    rows = vectors.rebuild()
    built = time.monotonic() - started
    assert rows == dataset["vectors"]
    viewer = User.objects.get(username=VIEWER)
    readable = community_rights(viewer).readable
    assert len(readable) == READABLE, readable
    # Random vectors all lie below the embedder's floor: without this, meaning would
    # offer nothing and the hybrid search would be the keyword search.
    settings.GUILDE_SEMANTIC_FLOOR = -1.0
    model = embedder()
    return {
        "benchmark": "semantic and hybrid search on a large vector index; cross-process delay",
        "documents": rows,
        "dimensions": model.dimensions,
        "embedder": model.name,
        "queries": queries,
        "viewer_reads_communities": f"{READABLE} of {COMMUNITIES}",
        "k": K,
        **nearest_figures(readable, queries),
        "index_build_seconds": round(built, 1),
        "dataset": dataset,
        "selector": selector_figures(viewer, queries),
    }


def nearest_figures(readable: list[int], queries: int) -> dict[str, Any]:
    """The query's embedding and ``vectors.nearest`` alone; the index's size and memory."""
    from bench.search import timings
    from guilde.semantic import vectors
    from guilde.semantic.embedders import embedder

    model = embedder()
    chooser = random.Random(1)
    texts = [" ".join(chooser.sample(WORDS, chooser.randint(3, 9))) for _ in range(queries)]
    model.embed(["warm up"])  # loads the model: once per process
    before = rss_mb()
    for text in texts[:10]:  # maps the index, touches its pages
        vectors.nearest(model.embed([text])[0], communities=readable, k=K)
    mapped = rss_mb()
    index = vectors.current()
    assert index is not None
    files = list(vectors.directory().glob(f"{index.version[0]}-{index.version[1]}.*"))

    embedding: list[float] = []
    searching: list[float] = []
    both: list[float] = []
    found: list[int] = []
    for text in texts:
        started = time.perf_counter()
        vector = model.embed([text])[0]
        embedded = time.perf_counter()
        nearest = vectors.nearest(vector, communities=readable, k=K)
        done = time.perf_counter()
        embedding.append((embedded - started) * 1000)
        searching.append((done - embedded) * 1000)
        both.append((done - started) * 1000)
        found.append(len(nearest))
    return {
        "results_median": statistics.median(found),
        "embedding": timings(embedding),
        "search": timings(searching),
        "embedding_and_search": timings(both),
        "index_on_disk_mb": round(sum(f.stat().st_size for f in files) / 1024 / 1024, 1),
        "process_rss_added_by_index_mb": round(mapped - before, 1),
        "index_resident_in_process_mb": resident_mb(vectors.directory()),
    }


def selector_figures(viewer: Any, queries: int) -> dict[str, Any]:
    """Whole searches through the selector, in each mode, then hybrid with a core busy."""
    from bench.search import timings, title_queries
    from guilde.search.selectors import SearchParams, search

    titles = title_queries(queries, seed=1)
    modes = ("semantic", "hybrid", "keyword")
    for text in titles[:20]:  # warm-up: the database's pages, the selector's caches
        for mode in modes:
            search(viewer=viewer, params=SearchParams(q=text, mode=mode))
    spent: dict[str, list[float]] = {mode: [] for mode in modes}
    listed: dict[str, list[int]] = {mode: [] for mode in modes}
    for text in titles:
        for mode in modes:
            started = time.perf_counter()
            page = search(viewer=viewer, params=SearchParams(q=text, mode=mode))
            spent[mode].append((time.perf_counter() - started) * 1000)
            listed[mode].append(page.total)
    busy: list[float] = []
    with one_core_busy():
        for text in titles:
            started = time.perf_counter()
            search(viewer=viewer, params=SearchParams(q=text, mode="hybrid"))
            busy.append((time.perf_counter() - started) * 1000)
    return {
        "queries": f"{len(titles)} thread titles cut to 2 to 4 words (bench/search.py)",
        "meaning_candidates": "100 (floor lowered)",
        "semantic": timings(spent["semantic"]),
        "hybrid": timings(spent["hybrid"]),
        "keyword": timings(spent["keyword"]),
        "hybrid_one_core_busy": timings(busy),
        "results_median": {mode: statistics.median(listed[mode]) for mode in modes},
        "hybrid_target_p95_ms": HYBRID_TARGET_P95_MS,
    }


# Across processes ------------------------------------------------------------------------

TIMEOUT_SECONDS = 120.0
POLL_SECONDS = 0.1
PERIOD_SECONDS = 5.0  # guilde.semantic.tasks.refresh_vector_index


def cross_process(threads: int) -> dict[str, Any]:
    from guilde.semantic.testing import QUESTIONS, Instance, Question, processes

    if threads + 1 > len(QUESTIONS):
        raise SystemExit(f"at most {len(QUESTIONS) - 1} threads (guilde/semantic/testing.py)")

    pauses = random.Random(1)

    def delay(instance: Instance, question: Question) -> float:
        """From the creation's response through the first web process to the first search
        through the second that lists the thread."""
        # Written at a random moment of the index's period: one right after the previous
        # was found would fall at the same moment of it every time.
        time.sleep(pauses.uniform(0, PERIOD_SECONDS))
        thread = instance.create_thread(question, through=0)
        waited = instance.wait_until_found(
            thread, question.query, through=1, timeout=TIMEOUT_SECONDS, interval=POLL_SECONDS
        )
        if waited is None:
            raise SystemExit(f"not found in {TIMEOUT_SECONDS} s:\n{instance.log_tails()}")
        return round(waited, 2)

    with (
        tempfile.TemporaryDirectory(prefix="guilde-bench-processes-") as data,
        processes(Path(data)) as instance,
    ):
        first, *delays = [delay(instance, q) for q in QUESTIONS[: threads + 1]]
    return {
        "web_processes": 2,
        "worker_processes": 1,
        "threads": threads,
        "delays_s": delays,
        "median_s": round(statistics.median(delays), 2),
        "max_s": max(delays),
        "first_thread_s": first,
        "poll_interval_s": POLL_SECONDS,
        "written_after_a_random_pause_s": f"0 to {PERIOD_SECONDS:g}",
    }


if __name__ == "__main__":
    main()
