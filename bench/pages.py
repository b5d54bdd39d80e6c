"""Server-side time and SQL queries of the main pages, on the canonical data set.

Uses the data set in ``var/bench`` (``guilde generate --preset bench-1m``, made first if
missing), production settings, and Django's test client in this process: what is measured
is the server's own work (routing, queries, templates), without network or load. For each
kind of page it requests at least 200 distinct pages as an anonymous visitor: a first pass
(reported as ``first_visit``: cold database pages, empty fragment and page caches), a
measured pass (``p50``/``p95``: pages seen again, as popular pages are — visitors' thread
pages then come from the page cache), a pass with the caches emptied but the database
warm (``rendered``: what rendering a page costs), then a pass counting each page's queries
with the caches emptied again (the counting itself costs time). A trivial view
(``/healthz``) gives the framework's floor.

    .venv/bin/python bench/pages.py [--samples 200]

Prints one JSON document; its last line is the JSON on one line.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "var" / "bench"


def ensure_data() -> None:
    if (DATA / "guilde.sqlite3").exists():
        return
    DATA.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "GUILDE_DATA_DIR": str(DATA), "DJANGO_SETTINGS_MODULE": "config.settings"}
    guilde = str(ROOT / ".venv" / "bin" / "guilde")
    subprocess.run([guilde, "migrate", "-v0"], env=env, check=True)
    subprocess.run([guilde, "generate", "--preset", "bench-1m"], env=env, check=True)


def copy_data_set(folder: Path) -> None:
    """A writable copy of the canonical data set in ``folder`` (emptied first), made with
    SQLite's backup API (a few seconds): benchmarks that write leave the set as generated."""
    import shutil
    import sqlite3

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shutil.copy(DATA / "secret_key", folder / "secret_key")
    source = sqlite3.connect(DATA / "guilde.sqlite3")
    target = sqlite3.connect(folder / "guilde.sqlite3")
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def open_data_set() -> None:
    """The canonical data set (made when missing), migrated to this code, with Django set
    up on it under production settings: what every benchmark of pages starts from."""
    os.environ.pop("DATABASE_URL", None)
    ensure_data()
    env = {**os.environ, "GUILDE_DATA_DIR": str(DATA), "DJANGO_SETTINGS_MODULE": "config.settings"}
    subprocess.run([str(ROOT / ".venv" / "bin" / "guilde"), "migrate", "-v0"], env=env, check=True)
    setup_django()


def setup_django() -> None:
    os.environ["GUILDE_DATA_DIR"] = str(DATA)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("GUILDE_RATE_LIMITS", "bench")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(client: Any, urls: list[str]) -> dict[str, Any]:
    from django.core.cache import caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cold = []
    for url in urls:  # first visits: the database's page cache, the fragment cache are cold
        started = time.perf_counter()
        client.get(url)
        cold.append((time.perf_counter() - started) * 1000)
    times = []
    for url in urls:
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code}")
    rendered = []
    caches["fragments"].clear()  # the database warm, every page rendered again
    for url in urls:
        started = time.perf_counter()
        client.get(url)
        rendered.append((time.perf_counter() - started) * 1000)
    queries = []
    caches["fragments"].clear()  # count the queries of a full rendering, not of a cache hit
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        queries.append(len(captured.captured_queries))
    return {
        "pages": len(urls),
        "distinct": len(set(urls)),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 0.95), 2),
        "max_ms": round(max(times), 2),
        "first_visit_p50_ms": round(statistics.median(cold), 2),
        "first_visit_p95_ms": round(percentile(cold, 0.95), 2),
        "rendered_p50_ms": round(statistics.median(rendered), 2),
        "rendered_p95_ms": round(percentile(rendered, 0.95), 2),
        "queries_median": statistics.median(queries),
        "queries_max": max(queries),
    }


def sample_urls(samples: int) -> dict[str, list[str]]:
    from django.urls import reverse

    from guilde.communities.models import Community
    from guilde.discussions.models import Thread
    from guilde.discussions.selectors import POSTS_PER_PAGE, THREADS_PER_PAGE
    from guilde.knowledge.models import Article

    public = list(Community.objects.filter(visibility="public", status="active").order_by("pk"))
    # Community pages: the thread list of each public community, its first pages.
    community_pages = []
    for page in range(1, 100):
        for community in public:
            count = Thread.objects.filter(community=community).count()
            if (page - 1) * THREADS_PER_PAGE < count:
                url = reverse("discussions:threads", args=[community.slug])
                community_pages.append(url if page == 1 else f"{url}?page={page}")
        if len(community_pages) >= samples:
            break
    threads = list(
        Thread.objects.filter(community__in=public, last_position__gte=POSTS_PER_PAGE)
        .select_related("community")
        .order_by("pk")[:samples]
    )
    articles = list(
        Article.objects.filter(community__in=public, status__in=["published", "verified"])
        .select_related("community")
        .order_by("pk")[:samples]
    )
    api_pages = []
    for page_size in (10, 20, 30, 40, 50):
        for community in public:
            api_pages.append(f"/api/v1/communities/{community.slug}/threads?page_size={page_size}")
            if len(api_pages) >= samples:
                break
    return {
        "community_page": community_pages[:samples],
        "thread_page": [t.get_absolute_url() for t in threads],
        "article_page": [a.get_absolute_url() for a in articles],
        "api_thread_list": api_pages[:samples],
        "trivial_view": ["/healthz"] * samples,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=200)
    arguments = parser.parse_args()
    ensure_data()
    setup_django()
    from django.test import Client

    from guilde.discussions.models import Post

    client = Client(HTTP_HOST="127.0.0.1")
    urls = sample_urls(arguments.samples)
    results = {name: measure(client, pages) for name, pages in urls.items()}
    from bench.report import emit

    emit(
        {
            "benchmark": "pages (server time and queries, Django test client, anonymous visitor)",
            "database": "SQLite, var/bench (guilde generate --preset bench-1m)",
            "posts": Post.objects.count(),
            **results,
        }
    )


if __name__ == "__main__":
    main()
