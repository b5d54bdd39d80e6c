"""The load test (issue 19): on the canonical data set, 50 users with no think time — half
visitors, half signed-in members: page views, searches, API reads, answers, votes and RSVPs
(bench/locustfile.py) — for a fixed time, with Locust, over loopback. Reports throughput,
p50/p95/p99 and errors (5xx, timeouts, refused connections, any status ≥ 400 but 429), and
the 429s apart (the benchmark rate-limit setting applies: ``GUILDE_RATE_LIMITS=bench``).

    .venv/bin/python bench/load.py --deployment embedded [--users 50] [--seconds 60]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/guilde_bench \\
        .venv/bin/python bench/load.py --deployment scaled

``embedded``: ``guilde serve`` as ``make run`` starts it (its default web processes and
threads, one worker) on SQLite, on a copy of var/bench (the writes leave the canonical set as
generated). ``scaled``: two ``guilde serve --web-only`` processes (one web process each) and
one ``guilde worker`` on PostgreSQL with Redis (``REDIS_URL``, default database 12 of
127.0.0.1:6379, emptied first); the database in ``DATABASE_URL`` must hold the data set
(``guilde migrate && guilde generate --preset bench-1m`` with that ``DATABASE_URL``); the
run writes into a copy made with ``CREATE DATABASE … TEMPLATE``. Prints one JSON document.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pages import copy_data_set, ensure_data
from bench.report import emit

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(base: str, seconds: float = 120) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{base} did not answer")


def _environment(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "GUILDE_RATE_LIMITS": "bench",
        "GUILDE_BACKUPS": "false",
        "GUILDE_NEW_ACCOUNT_DAYS": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    env.update(extra)
    return env


def _world(env: dict[str, str], members: int, path: Path) -> None:
    done = subprocess.run(
        [str(VENV / "python"), "-m", "bench.load_world", str(members)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    path.write_text(done.stdout.strip().splitlines()[-1])


def _embedded(scratch: Path) -> tuple[dict[str, str], list[list[str]]]:
    copy = ROOT / "var" / "bench-load"
    copy_data_set(copy)
    env = _environment(GUILDE_DATA_DIR=str(copy))
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    port = _free_port()
    return env, [[str(VENV / "guilde"), "serve", "--port", str(port)]]


def _scaled(scratch: Path) -> tuple[dict[str, str], list[list[str]]]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("--deployment scaled needs DATABASE_URL=postgres://… holding the data set")
    import psycopg

    source = url.rsplit("/", 1)[1]
    copy = f"{source}_load"
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{source}"')
    redis = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/12")
    subprocess.run(["redis-cli", "-u", redis, "FLUSHDB"], check=True, capture_output=True)
    data = ROOT / "var" / "bench-load-pg"
    data.mkdir(parents=True, exist_ok=True)
    env = _environment(
        DATABASE_URL=url.rsplit("/", 1)[0] + f"/{copy}",
        REDIS_URL=redis,
        GUILDE_DATA_DIR=str(data),
        GUILDE_DB_POOL_SIZE="8",
    )
    commands = [
        [str(VENV / "guilde"), "serve", "--web-only", "--port", str(_free_port()), "--workers", "1"]
        for _ in range(2)
    ]
    commands.append([str(VENV / "guilde"), "worker"])
    return env, commands


def _read_stats(prefix: Path) -> dict[str, Any]:
    with (prefix.parent / f"{prefix.name}_stats.csv").open() as stats:
        rows = list(csv.DictReader(stats))
    with (prefix.parent / f"{prefix.name}_failures.csv").open() as failures:
        failed = list(csv.DictReader(failures))
    limited = sum(int(f["Occurrences"]) for f in failed if "rate limited" in f["Error"])
    errors = sum(int(f["Occurrences"]) for f in failed if "rate limited" not in f["Error"])
    total = next(r for r in rows if r["Name"] == "Aggregated")

    def figures(row: dict[str, str]) -> dict[str, Any]:
        return {
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "requests_per_second": round(float(row["Requests/s"]), 1),
            "p50_ms": float(row["50%"]),
            "p95_ms": float(row["95%"]),
            "p99_ms": float(row["99%"]),
        }

    return {
        "total": figures(total),
        "errors": errors,
        "rate_limited": limited,
        "rate_limited_share": round(limited / max(1, int(total["Request Count"])), 4),
        "error_kinds": {f["Error"]: int(f["Occurrences"]) for f in failed},
        "by_request": {r["Name"]: figures(r) for r in rows if r["Name"] != "Aggregated"},
    }


def run(deployment: str, users: int, seconds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="guilde-load-") as folder:
        scratch = Path(folder)
        env, commands = _embedded(scratch) if deployment == "embedded" else _scaled(scratch)
        subprocess.run([str(VENV / "guilde"), "migrate", "-v0"], env=env, check=True)
        world = scratch / "world.json"
        _world(env, max(1, users // 2), world)
        backlog = json.loads(world.read_text())["backlog_left_out"]
        hosts = [f"http://127.0.0.1:{c[c.index('--port') + 1]}" for c in commands if "--port" in c]
        processes = [
            subprocess.Popen(
                command,
                env=env,
                cwd=ROOT,
                stdout=(scratch / f"process-{n}.log").open("wb"),
                stderr=subprocess.STDOUT,
            )
            for n, command in enumerate(commands)
        ]
        try:
            for host in hosts:
                _wait(host)
            prefix = scratch / "load"

            def locust(run_time: int, *more: str) -> list[str]:
                return [
                    str(VENV / "locust"),
                    "-f",
                    str(ROOT / "bench" / "locustfile.py"),
                    "--headless",
                    "--users",
                    str(users),
                    "--spawn-rate",
                    str(users),
                    "--run-time",
                    f"{run_time}s",
                    "--stop-timeout",
                    "10",
                    "--only-summary",
                    "--loglevel",
                    "ERROR",
                    *more,
                ]

            locust_env = {
                **os.environ,
                "GUILDE_LOAD_WORLD": str(world),
                "GUILDE_LOAD_HOSTS": ",".join(hosts),
            }
            # A warm-up of a fifth of the time (caches, connections), then the measured run.
            for command in (
                locust(max(5, seconds // 5)),
                locust(seconds, "--csv", str(prefix)),
            ):
                subprocess.run(command, env=locust_env, cwd=ROOT, capture_output=True)
            stats = _read_stats(prefix)
            logs = "".join(
                log.read_text(errors="replace") for log in sorted(scratch.glob("process-*.log"))
            )
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
    return {
        "deployment": deployment,
        "users": users,
        "seconds": seconds,
        **stats,
        "queued_tasks_left_out": backlog,
        "server_log_database_is_locked": logs.count("database is locked"),
        "server_log_tracebacks": logs.count("Traceback (most recent call last)"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deployment", choices=["embedded", "scaled"], default="embedded")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    options = parser.parse_args()
    if options.deployment == "embedded":
        ensure_data()
    result = run(options.deployment, options.users, options.seconds)
    target = {"errors": 0, "rate_limited_share_max": 0.01, "p95_ms_max": 200}
    met = (
        result["errors"] == 0
        and result["server_log_database_is_locked"] == 0
        and result["rate_limited_share"] <= target["rate_limited_share_max"]
        and result["total"]["p95_ms"] <= target["p95_ms_max"]
    )
    emit({"benchmark": "load", "data_set": "bench-1m", **result, "target": target, "met": met})


if __name__ == "__main__":
    main()
