"""Search latency on the canonical data set: the selector a page calls against the bare
full-text query for the same words.

Two sets of queries, drawn with a fixed seed: 200 thread titles, stop words removed, 2 to 4
of their words kept (all required, as the search page requires them); and the 20 terms most
frequent in thread titles, alone. Each query runs through

- the **selector** (``guilde.search.selectors.search``: all words required, permission
  filter, type and community facets, highlighted titles and snippets — what a search page
  pays), as an anonymous visitor and as a signed-in member of several communities;
- the **bare query**: the full-text query alone for the same analysed words, no
  permission filter, no facets, no snippets, the first 20 by text rank among the rank
  window's documents. On SQLite ``SELECT rowid, bm25(search_fts, …) FROM search_fts WHERE
  search_fts MATCH ? AND rowid >= (the window's start) ORDER BY 2 LIMIT 20`` over the whole
  index; on PostgreSQL ``SELECT id FROM search_searchdocument WHERE search_vector @@ … AND
  id >= (the window's start) ORDER BY ts_rank_cd(…) DESC LIMIT 20``, with the backend's
  own query string or tsquery. ``overhead_p95`` is the selector's p95 over it.

Beside them, for scale: ``bare_every_match`` (the bare query with no window: what ranking
every match costs) and, on SQLite, ``bare_recent``: the bare query as the backend ranks,
in the table of recent documents when the window lies there (ranking.py, "Recent
statistics"), with ``overhead_p95_vs_bare_recent``: what permissions, facets, loading the
page and snippets add to the full-text work the selector does.

Timed in this process with ``time.perf_counter`` around each call, after a warm-up pass;
for each query the bare query, then the selector for each viewer, so noise from a shared
machine falls on all of them alike. The number of documents the bare match finds and the
SQL queries a selector call makes are counted outside the timing.

    .venv/bin/python bench/search.py [--queries 200] [--frequent 20] [--seed 1]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/guilde_bench \\
        .venv/bin/python bench/search.py --postgresql

SQLite uses ``var/bench`` (made first if missing, as for bench/pages.py); PostgreSQL the
database in ``DATABASE_URL`` (with ``var/bench-pg`` for files), which must hold the data set.
Prints one JSON document; its last line is the JSON on one line.
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BARE_LIMIT = 20
TARGET_P95_MS = 50.0
TARGET_OVERHEAD = 2.0


def setup_django(postgresql: bool) -> None:
    sys.path.insert(0, str(ROOT))
    from bench.pages import DATA, ensure_data

    if postgresql:
        if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
            raise SystemExit("--postgresql needs DATABASE_URL=postgres://…")
        os.environ["GUILDE_DATA_DIR"] = str(ROOT / "var" / "bench-pg")
    else:
        os.environ.pop("DATABASE_URL", None)
        ensure_data()
        os.environ["GUILDE_DATA_DIR"] = str(DATA)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("GUILDE_RATE_LIMITS", "bench")
    import django

    django.setup()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timings(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(values), 2),
        "p95_ms": round(percentile(values, 0.95), 2),
        "max_ms": round(max(values), 2),
    }


# Queries ---------------------------------------------------------------------------------


def _content_words(title: str) -> list[str]:
    """The words of ``title`` that are no stop word in either language, one per term."""
    from guilde.search import analysis

    kept: dict[frozenset[str], str] = {}
    for word in analysis.words(title):
        if any(word in analysis.STOP_WORDS[language] for language in analysis.LANGUAGES):
            continue
        alternatives = analysis.query_terms(word).alternatives
        if alternatives and alternatives[0] not in kept:
            kept[alternatives[0]] = word
    return list(kept.values())


def title_queries(count: int, seed: int) -> list[str]:
    """``count`` thread titles drawn with ``seed``, each cut to 2–4 of its content words."""
    from guilde.discussions.models import Thread

    chooser = random.Random(seed)
    ids = list(Thread.objects.order_by("pk").values_list("pk", flat=True))
    chooser.shuffle(ids)
    queries: list[str] = []
    for start in range(0, len(ids), count):
        chunk = ids[start : start + count]
        titles = dict(Thread.objects.filter(pk__in=chunk).values_list("pk", "title"))
        for pk in chunk:
            words = _content_words(titles[pk])
            if len(words) < 2:
                continue
            kept = sorted(chooser.sample(range(len(words)), chooser.randint(2, min(4, len(words)))))
            queries.append(" ".join(words[i] for i in kept))
            if len(queries) == count:
                return queries
    return queries


def frequent_terms(count: int) -> list[str]:
    """The ``count`` analysed terms most frequent in thread titles, each as the word most
    often typed for it."""
    from guilde.discussions.models import Thread
    from guilde.search import analysis

    by_term: Counter[frozenset[str]] = Counter()
    spelled: dict[frozenset[str], Counter[str]] = {}
    for title in Thread.objects.values_list("title", flat=True).iterator(chunk_size=5000):
        for word in _content_words(title):
            alternatives = analysis.query_terms(word).alternatives[0]
            by_term[alternatives] += 1
            spelled.setdefault(alternatives, Counter())[word] += 1
    return [spelled[term].most_common(1)[0][0] for term, _n in by_term.most_common(count)]


# The two ways to search --------------------------------------------------------------------


def _window() -> int:
    """The backend's rank window (``ranking.RANK_WINDOW``: only the most recently written
    matches are ranked), 0 when it ranks every match."""
    from guilde.search import ranking

    return int(getattr(ranking, "RANK_WINDOW", 0))


def _match(q: str, *, window: int, recent: bool = False) -> tuple[str, str, list[Any]]:
    """The backend's match for ``q``: the table and condition (with the rank window when
    ``window``), their parameters, and the text rank to order by (SQL)."""
    from django.db import connection

    from guilde.search import analysis, ranking

    query = analysis.query_terms(q)
    if connection.vendor == "postgresql":
        # The tsquery the PostgreSQL backend builds: each word through both configurations.
        from guilde.search.backends.postgresql import _WORD

        tsquery = "(" + " && ".join([_WORD] * len(query.words)) + ")"
        words = [w for word in query.words for w in (word, word)]
        weights = ",".join(str(w) for w in ranking.PG_WEIGHTS)
        rank = (
            f"ts_rank_cd('{{{weights}}}'::float4[], search_vector, {tsquery},"
            f" {ranking.PG_NORMALISATION})"
        )
        matching = f"search_searchdocument WHERE search_vector @@ {tsquery}"
        if not window:
            return matching, rank, words
        since = (
            f"SELECT w.id FROM search_searchdocument w WHERE w.search_vector @@ {tsquery}"  # noqa: S608
            f" ORDER BY w.id DESC LIMIT 1 OFFSET {window - 1}"
        )
        return f"{matching} AND id >= COALESCE(({since}), 0)", rank, words + words
    from guilde.search.backends.sqlite import BACKEND, RECENT_TABLE, fts_query

    weights = f"{ranking.TITLE_WEIGHT}, {ranking.TAGS_WEIGHT}, {ranking.BODY_WEIGHT}"
    text = fts_query(query, require_all=True)
    if not window:
        return "search_fts WHERE search_fts MATCH %s", f"bm25(search_fts, {weights})", [text]
    if recent:
        # As the backend does: find where the window starts, then rank in the recent table
        # when the whole window lies there (ranking.py, "Recent statistics").
        start, floor = BACKEND._window("search_fts", text)
        table = RECENT_TABLE if start is not None and start >= floor else "search_fts"
        matching = f"{table} WHERE {table} MATCH %s AND rowid >= %s"
        return matching, f"bm25({table}, {weights})", [text, start or 0]
    since = (
        "SELECT rowid FROM search_fts WHERE search_fts MATCH %s"  # noqa: S608
        f" ORDER BY rowid DESC LIMIT 1 OFFSET {window - 1}"
    )
    matching = f"search_fts WHERE search_fts MATCH %s AND rowid >= COALESCE(({since}), 0)"
    return matching, f"bm25(search_fts, {weights})", [text, text]


def bare_query(q: str, *, window: int, recent: bool = False) -> tuple[str, list[Any]]:
    """The backend's match alone for ``q``, the first 20 by text rank: SQL and parameters."""
    from django.db import connection

    matching, rank, params = _match(q, window=window, recent=recent)
    if connection.vendor == "postgresql":
        # The rank's tsquery takes the words once more (the condition took them once, or
        # twice with the window).
        words = params[: len(params) // 2] if window else params
        sql = f"SELECT id FROM {matching} ORDER BY {rank} DESC LIMIT {BARE_LIMIT}"  # noqa: S608
        return sql, params + words
    # Ordered by the weighted BM25 it selects: ``ORDER BY rank`` would compute BM25 twice
    # for every match (FTS5's own rank is the unweighted one).
    sql = f"SELECT rowid, {rank} AS r FROM {matching} ORDER BY r LIMIT {BARE_LIMIT}"  # noqa: S608
    return sql, params


def matches(q: str) -> int:
    """How many documents the match finds (all of them, not only the rank window)."""
    from django.db import connection

    matching, _rank, params = _match(q, window=0)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {matching}", params)  # noqa: S608
        return int(cursor.fetchone()[0])


def run_bare(q: str, window: int = 0, recent: bool = False) -> int:
    from django.db import connection

    sql, params = bare_query(q, window=window, recent=recent)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return len(cursor.fetchall())


def run_selector(viewer: Any, q: str) -> Any:
    from guilde.search.selectors import SearchParams, search

    return search(viewer=viewer, params=SearchParams(q=q))


# Viewers -----------------------------------------------------------------------------------


def member_viewer(username: str | None) -> tuple[Any, dict[str, Any]]:
    """A signed-in member of several communities (at least three, one of them private or
    hidden when there is such a member): the first by id, unless ``username`` is given."""
    from django.db.models import Count, Q

    from guilde.accounts.models import User
    from guilde.accounts.visibility import shared_member_ids_query
    from guilde.communities.models import Community, Membership

    active = Q(memberships__status=Membership.Status.ACTIVE)
    members = User.objects.filter(is_active=True, is_staff=False).annotate(
        communities=Count("memberships", filter=active),
        closed=Count(
            "memberships",
            filter=active & ~Q(memberships__community__visibility=Community.Visibility.PUBLIC),
        ),
    )
    if username:
        found = members.filter(username=username)
    else:
        found = members.filter(communities__gte=3).order_by("pk")
        found = found.filter(closed__gt=0) if found.filter(closed__gt=0).exists() else found
    viewer = found.first()
    if viewer is None:
        raise SystemExit("no such member (or none belongs to three communities)")
    sharing = User.objects.filter(shared_member_ids_query(viewer)).count()
    return viewer, {
        "username": viewer.username,
        "communities": viewer.communities,
        "private_or_hidden": viewer.closed,
        "members_sharing_a_community": sharing,
    }


# Measuring ---------------------------------------------------------------------------------


def measure(queries: list[str], viewers: dict[str, Any], warmup: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    window = _window()
    calls: dict[str, Callable[[str], Any]] = {"bare": functools.partial(run_bare, window=window)}
    if window:  # and what ranking every match would cost
        calls["bare_every_match"] = run_bare
    if window and connection.vendor == "sqlite":  # and as the backend ranks the window
        calls["bare_recent"] = functools.partial(run_bare, window=window, recent=True)
    for name, viewer in viewers.items():
        calls[name] = functools.partial(run_selector, viewer)
    for q in queries[:warmup]:  # the index's pages into the caches, the code paths run once
        for call in calls.values():
            call(q)
    times: dict[str, list[float]] = {name: [] for name in calls}
    totals: dict[str, list[int]] = {name: [] for name in viewers}
    capped: dict[str, int] = dict.fromkeys(viewers, 0)
    fallback: dict[str, int] = dict.fromkeys(viewers, 0)
    for q in queries:
        for name, call in calls.items():
            started = time.perf_counter()
            found = call(q)
            times[name].append((time.perf_counter() - started) * 1000)
            if name in viewers:
                totals[name].append(found.total)
                capped[name] += found.capped
                fallback[name] += found.fallback
    sql_queries: dict[str, list[int]] = {name: [] for name in viewers}
    for q in queries[:20]:  # counting queries costs time: apart, on a few
        for name, viewer in viewers.items():
            with CaptureQueriesContext(connection) as captured:
                run_selector(viewer, q)
            sql_queries[name].append(len(captured.captured_queries))
    matched = [matches(q) for q in queries]
    bare = timings(times["bare"])
    result: dict[str, Any] = {
        "queries": len(queries),
        "distinct": len(set(queries)),
        "examples": queries[:5],
        "bare_matches_median": statistics.median(matched),
        "bare_matches_max": max(matched),
        "rank_window": window,
        "bare": bare,
    }
    if window:
        result["bare_every_match"] = timings(times["bare_every_match"])
    if "bare_recent" in times:
        result["bare_recent"] = timings(times["bare_recent"])
    for name in viewers:
        selector = timings(times[name])
        result[name] = {
            **selector,
            "overhead_p50": round(selector["p50_ms"] / bare["p50_ms"], 2),
            "overhead_p95": round(selector["p95_ms"] / bare["p95_ms"], 2),
            **(
                {
                    "overhead_p95_vs_bare_recent": round(
                        selector["p95_ms"] / result["bare_recent"]["p95_ms"], 2
                    )
                }
                if "bare_recent" in result
                else {}
            ),
            "total_median": statistics.median(totals[name]),
            "capped": capped[name],
            "fallback": fallback[name],
            "sql_queries_median": statistics.median(sql_queries[name]),
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgresql", action="store_true", help="the DATABASE_URL database")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--frequent", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=20, help="queries of each set run first")
    parser.add_argument("--member", help="the signed-in viewer's username")
    arguments = parser.parse_args()
    setup_django(arguments.postgresql)
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection

    from bench.report import emit
    from guilde.search.models import SearchDocument

    member, about_member = member_viewer(arguments.member)
    viewers = {"anonymous": AnonymousUser(), "member": member}
    titles = title_queries(arguments.queries, arguments.seed)
    single = frequent_terms(arguments.frequent)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}, {connection.settings_dict['NAME']}"
    else:
        database = "SQLite, var/bench"
    emit(
        {
            "benchmark": "search (selector against the bare full-text query, in-process)",
            "database": f"{database} (guilde generate --preset bench-1m)",
            "documents": SearchDocument.objects.count(),
            "seed": arguments.seed,
            "warmup_queries": arguments.warmup,
            "member": about_member,
            "target": {"selector_p95_ms": TARGET_P95_MS, "overhead_p95": TARGET_OVERHEAD},
            "titles": measure(titles, viewers, arguments.warmup),
            "frequent_terms": measure(single, viewers, arguments.warmup),
        }
    )


if __name__ == "__main__":
    main()
