"""Community health on the canonical data set: the daily snapshot job's duration, and the
dashboard's server time read from the snapshots it wrote (issue 16, acceptance 3).

Uses the data set in ``var/bench`` (``guilde generate --preset bench-1m``, made first if
missing), production settings, and Django's test client in this process, as
bench/pages.py does.

1. ``snapshot_job``: the scheduler's daily job, ``guilde.analytics.tasks.take_snapshots``
   (``snapshots.take_all``: every community not deleted, then the instance), run once and
   timed — in total, per community (the slowest named), for the instance, and by part
   (each metric function the snapshots call, summed over every target and period:
   ``daily_counts`` for yesterday's and today's series, then ``responsiveness``,
   ``activity``, ``participation``, ``retention``, ``knowledge``, ``mentoring`` and
   ``network``). Parts are timed by wrapping the module functions the job calls.
2. ``dashboard``: every community's dashboard for every period, as one of its
   coordinators (and the instance's as an administrator), requested over and over until
   at least ``--samples`` pages: the first pass reported apart (``first_visit``, cold
   database pages), then p50/p95/max of the rest and the queries per page. The printable
   report and the metrics API are measured the same way. Nothing is cached between
   requests: each one reads its snapshot and renders.

    .venv/bin/python bench/analytics.py [--samples 300] [--skip-job]

``--skip-job`` measures the dashboard on the snapshots already there (taking them first if
there are none). Prints one JSON document; its last line is the JSON on one line.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pages import open_data_set, percentile

TARGET_P95_MS = 300.0
METRICS = ("responsiveness", "activity", "participation", "retention", "knowledge",
           "mentoring")  # fmt: skip


@contextmanager
def timed_parts() -> Iterator[dict[str, float]]:
    """Seconds spent in each metric function while inside the block (summed over calls)."""
    from guilde.analytics import metrics, snapshots

    spent: dict[str, float] = defaultdict(float)
    originals: list[tuple[Any, str, Callable[..., Any]]] = []

    def wrap(module: Any, name: str, part: str) -> None:
        original = getattr(module, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[part] += time.perf_counter() - started

        originals.append((module, name, original))
        setattr(module, name, timed)

    for name in METRICS:
        wrap(metrics, name, name)
    wrap(snapshots, "network_of", "network")
    wrap(snapshots, "daily_counts", "daily_counts")
    try:
        yield spent
    finally:
        for module, name, original in originals:
            setattr(module, name, original)


def snapshot_job() -> dict[str, Any]:
    """The daily job as the worker runs it, each target timed."""
    from guilde.analytics import snapshots, tasks
    from guilde.communities.models import Community

    per_target: dict[str, float] = {}
    take = snapshots.take

    def timed_take(community: Community | None, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return take(community, **kwargs)
        finally:
            per_target[community.slug if community else "(instance)"] = (
                time.perf_counter() - started
            )

    snapshots.take = timed_take
    try:
        with timed_parts() as spent:
            started = time.perf_counter()
            taken = tasks.take_snapshots.call()
            total = time.perf_counter() - started
    finally:
        snapshots.take = take
    communities = {key: value for key, value in per_target.items() if key != "(instance)"}
    slowest = max(communities, key=communities.__getitem__) if communities else None
    return {
        "seconds": round(total, 2),
        "snapshots": taken,
        "communities": len(communities),
        "instance_seconds": round(per_target.get("(instance)", 0.0), 2),
        "community_seconds_median": round(statistics.median(communities.values()), 2)
        if communities
        else None,
        "slowest_community": slowest,
        "slowest_community_seconds": round(communities[slowest], 2) if slowest else None,
        "parts_seconds": {name: round(value, 2) for name, value in sorted(spent.items())},
    }


def timings(client: Any, urls: list[str], samples: int) -> dict[str, list[float]]:
    """A first pass over ``urls`` (cold), passes until ``samples`` requests, then one
    counting each page's queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first: list[float] = []
    for url in urls:
        started = time.perf_counter()
        response = client.get(url)
        first.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code}")
    times: list[float] = []
    while len(times) < samples:
        for url in urls:
            started = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
    queries: list[float] = []
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        queries.append(len(captured.captured_queries))
    return {"first": first, "times": times, "queries": queries}


def summary(found: list[dict[str, list[float]]]) -> dict[str, Any]:
    first = [t for f in found for t in f["first"]]
    times = [t for f in found for t in f["times"]]
    queries = [q for f in found for q in f["queries"]]
    return {
        "distinct": len(first),
        "requests": len(times),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 0.95), 2),
        "max_ms": round(max(times), 2),
        "first_visit_p50_ms": round(statistics.median(first), 2),
        "first_visit_p95_ms": round(percentile(first, 0.95), 2),
        "queries_median": statistics.median(queries),
        "queries_max": max(queries),
    }


def viewers() -> tuple[dict[str, Any], Any]:
    """A coordinator of each community (the first by id), and an administrator (made for the
    benchmark if the data set has none)."""
    from guilde.accounts.models import User
    from guilde.communities.models import Community, Membership

    coordinators: dict[str, Any] = {}
    for community in Community.objects.exclude(status=Community.Status.DELETED).order_by("pk"):
        membership = (
            Membership.objects.filter(community=community, role="coordinator", status="active")
            .select_related("member")
            .order_by("pk")
            .first()
        )
        if membership is not None:
            coordinators[community.slug] = membership.member
    admin = User.objects.filter(is_staff=True, is_active=True).order_by("pk").first()
    if admin is None:
        admin = User.objects.create(
            username="bench-analytics-admin", email="bench-analytics@example.org", is_staff=True
        )
    return coordinators, admin


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--skip-job", action="store_true")
    arguments = parser.parse_args()
    open_data_set()
    from django.test import Client
    from django.urls import reverse

    from guilde.analytics.models import Snapshot
    from guilde.analytics.snapshots import PERIODS
    from guilde.discussions.models import Post

    job = None
    if not arguments.skip_job or not Snapshot.objects.exclude(periods={}).exists():
        job = snapshot_job()
    coordinators, admin = viewers()
    results: dict[str, Any] = {}
    pages: list[tuple[Any, str]] = []
    reports: list[tuple[Any, str]] = []
    api: list[tuple[Any, str]] = []
    clients = {}
    for slug, coordinator in coordinators.items():
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(coordinator)
        clients[slug] = client
    for kind, per_viewer in (("dashboard", pages), ("report", reports), ("api", api)):
        for slug, client in clients.items():
            for period in PERIODS:
                if kind == "api":
                    url = f"/api/v1/communities/{slug}/analytics?period={period}"
                else:
                    url = f"{reverse('analytics:community', args=[slug])}?period={period}"
                    url += "&report=1" if kind == "report" else ""
                per_viewer.append((client, url))
    admin_client = Client(HTTP_HOST="127.0.0.1")
    admin_client.force_login(admin)
    instance = [f"{reverse('analytics:instance')}?period={period}" for period in PERIODS]

    def run(pairs: list[tuple[Any, str]]) -> dict[str, Any]:
        by_client: dict[Any, list[str]] = defaultdict(list)
        for client, url in pairs:
            by_client[client].append(url)
        share = max(1, arguments.samples // len(by_client))
        return summary([timings(client, urls, share) for client, urls in by_client.items()])

    results["community_dashboard"] = run(pages)
    results["printable_report"] = run(reports)
    results["metrics_api"] = run(api)
    results["instance_dashboard"] = summary([timings(admin_client, instance, arguments.samples)])
    slowest = max(r["p95_ms"] for r in results.values())
    from bench.report import emit

    emit(
        {
            "benchmark": "analytics (daily snapshot job; dashboard read from snapshots, "
            "Django test client, signed in)",
            "database": "SQLite, var/bench (guilde generate --preset bench-1m)",
            "posts": Post.objects.count(),
            "snapshot_job": job,
            **results,
            "target_p95_ms": TARGET_P95_MS,
            "p95_ms_slowest": slowest,
            "meets_target": slowest <= TARGET_P95_MS,
        }
    )


if __name__ == "__main__":
    main()
