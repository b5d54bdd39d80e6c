"""Mentoring's matching at the size of issue 15's acceptance: 5,000 mentee and 1,000 mentor
applications (mentors' capacities 1–5), made by the generator
(``Generator.mentoring_programme``: 300 topics, one or two of five languages, weekly slots,
time zones around the world, an organisation for 40 % of the applicants, one mentee in ten
avoiding a mentor), then matched by the product's own service,
``guilde.mentoring.services.matching_run``: the applications read from the database, every
pair scored (the programme's criteria and hard rules, ADR 7), the optimal assignment solved,
the proposals written — all of it in ``seconds``. The greedy baseline then runs on the very
problem the service solved (``outcome.problem``), timed apart (``greedy_seconds``).

Its parts are timed by wrapping the functions the service calls: ``load`` (the active
applications with their topics and people to avoid), ``build`` (languages, organisations,
time zones, availability and forbidden pairs into matrices, ``score`` included: the pair
scores themselves), ``solve`` (the min-cost flow) and ``write``
(the rest: locks read, old proposals removed, the new ones written, the transaction
committed). The total is compared with the greedy baseline's (pairs by descending score).

A fresh SQLite database in a temporary data folder (or ``--data``), migrated, as
bench/semantic.py does; the data's creation is timed apart (``data_seconds``).

    .venv/bin/python bench/matching.py [--mentees 5000] [--mentors 1000] [--runs 3]
                                       [--seed 1] [--data DIR] [--profile]

``--profile`` prints cProfile's 30 costliest functions of one more run to stderr. Prints one
JSON document; its last line is the JSON on one line.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 5.0


def open_database(data: Path) -> None:
    data.mkdir(parents=True, exist_ok=True)
    os.environ["GUILDE_DATA_DIR"] = str(data)
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    sys.path.insert(0, str(ROOT))
    subprocess.run([str(ROOT / ".venv" / "bin" / "guilde"), "migrate", "-v0"], check=True)
    import django

    django.setup()


@contextmanager
def timed_parts() -> Iterator[tuple[dict[str, float], dict[str, Any]]]:
    """Seconds spent in each function ``matching_run`` calls while inside the block, and
    what each returned."""
    from guilde.mentoring import matching, problem, scoring

    spent: dict[str, float] = {}
    returned: dict[str, Any] = {}
    wrapped: list[tuple[Any, str, Callable[..., Any]]] = []

    def wrap(module: Any, name: str, part: str) -> None:
        original = getattr(module, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                returned[part] = original(*args, **kwargs)
                return returned[part]
            finally:
                spent[part] = spent.get(part, 0.0) + time.perf_counter() - started

        wrapped.append((module, name, original))
        setattr(module, name, timed)

    wrap(problem, "active_applications", "load")
    wrap(problem, "build", "build")
    wrap(scoring, "score", "score")
    wrap(matching, "solve", "solve")
    try:
        yield spent, returned
    finally:
        for module, name, original in wrapped:
            setattr(module, name, original)


def run_once(programme: Any) -> dict[str, Any]:
    from guilde.mentoring import matching, services
    from guilde.mentoring.models import Match

    with timed_parts() as (spent, returned):
        outcome = services.matching_run(actor=None, programme=programme)
    allowed = returned["build"].scores.allowed
    # The baseline, on the very problem the service solved (not part of the service).
    started = time.perf_counter()
    greedy_total = matching.greedy(outcome.problem).score
    greedy_seconds = time.perf_counter() - started
    known = sum(spent.get(name, 0.0) for name in ("load", "build", "solve"))
    parts = {
        "load": spent.get("load", 0.0),
        "build": spent.get("build", 0.0) - spent.get("score", 0.0),
        "score": spent.get("score", 0.0),
        "solve": spent.get("solve", 0.0),
        "write": outcome.seconds - known,
    }
    return {
        "seconds": round(outcome.seconds, 3),
        "parts": {name: round(value, 3) for name, value in parts.items()},
        "allowed_pairs": int(allowed.sum()),
        "allowed_share": round(float(allowed.mean()), 3),
        "pairs": outcome.pairs,
        "unmatched": outcome.unmatched,
        "total": round(outcome.total, 3),
        "greedy_total": round(greedy_total, 3),
        "greedy_seconds": round(greedy_seconds, 3),
        "gain_over_greedy_percent": round(100 * (outcome.total - greedy_total) / greedy_total, 2)
        if greedy_total
        else None,
        "proposals_written": Match.objects.filter(programme=programme).count(),
    }


def profile(programme: Any) -> None:
    import cProfile
    import pstats

    from guilde.mentoring import services

    profiler = cProfile.Profile()
    profiler.enable()
    services.matching_run(actor=None, programme=programme)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stderr)
    stats.sort_stats("cumulative").print_stats(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mentees", type=int, default=5000)
    parser.add_argument("--mentors", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3, help="matching runs, one after another")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", type=Path, help="the data folder (default: a temporary one)")
    parser.add_argument("--profile", action="store_true", help="cProfile one more run")
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from bench.report import emit

    with tempfile.TemporaryDirectory(prefix="guilde-bench-matching-") as throwaway:
        open_database((options.data or Path(throwaway)).resolve())
        load_before = os.getloadavg()[0]
        from guilde.importers.generator import Generator
        from guilde.mentoring.models import Application, Programme

        started = time.perf_counter()
        generator = Generator(members=0, posts=0, communities=0, seed=options.seed)
        programme = generator.mentoring_programme(
            mentees=options.mentees,
            mentors=options.mentors,
            capacities=(1, 5),
            topics=300,
            status=Programme.Status.MATCHING,
            organisation_rule=Programme.OrganisationRule.PREFER,
        )
        data_seconds = time.perf_counter() - started
        mentors = Application.objects.filter(programme=programme, role=Application.Role.MENTOR)
        runs = [run_once(programme) for _ in range(options.runs)]
        if options.profile:
            profile(programme)
        slowest = max(runs, key=lambda run: run["seconds"])
        load = {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)}
        emit(
            {
                "benchmark": "mentoring: matching_run on 5,000 mentees and 1,000 mentors "
                "(database reads, scoring, solving, proposals written)",
                "database": "SQLite, a fresh data folder",
                "seed": options.seed,
                "applications": {
                    "mentees": Application.objects.filter(
                        programme=programme, role=Application.Role.MENTEE
                    ).count(),
                    "mentors": mentors.count(),
                    "places": sum(mentors.values_list("capacity", flat=True)),
                    "topics": programme.community.tags.count(),
                    "topics_per_application": round(
                        Application.skills.through.objects.filter(
                            application__programme=programme
                        ).count()
                        / max(1, options.mentees + options.mentors),
                        2,
                    ),
                    "avoid_entries": Application.avoid.through.objects.filter(
                        application__programme=programme
                    ).count(),
                },
                "data_seconds": round(data_seconds, 1),
                "seconds": slowest["seconds"],
                "target_seconds": TARGET_SECONDS,
                "within_target": slowest["seconds"] <= TARGET_SECONDS,
                "parts": slowest["parts"],
                "allowed_pairs": slowest["allowed_pairs"],
                "allowed_share": slowest["allowed_share"],
                "pairs": slowest["pairs"],
                "unmatched": slowest["unmatched"],
                "total": slowest["total"],
                "greedy_total": slowest["greedy_total"],
                "greedy_seconds": slowest["greedy_seconds"],
                "gain_over_greedy_percent": slowest["gain_over_greedy_percent"],
                "runs": runs,
                "load_average_1min": load,
            }
        )


if __name__ == "__main__":
    main()
