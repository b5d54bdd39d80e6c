"""Backup and restore on the canonical data set (1,000,000 posts): time, archive size and
peak memory; first with nothing else running, then while four API clients write with no
pause (issue 18). Run from the repository root:

    .venv/bin/python bench/backup.py [--no-writes]

The write load runs against a copy of the data set (var/bench-writes/, made with SQLite's
backup API and removed afterwards), so the canonical set stays as generated. The restore
goes into an empty data folder in /tmp. Prints one JSON document.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pages import DATA, copy_data_set, ensure_data
from bench.report import emit

ROOT = Path(__file__).resolve().parent.parent
GUILDE = str(ROOT / ".venv" / "bin" / "guilde")


def _environment(data: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "GUILDE_DATA_DIR": str(data),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "GUILDE_BACKUPS": "false",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DATABASE_URL", None)
    return env


def _timed(env: dict[str, str], *command: str) -> dict[str, Any]:
    """Run a guilde command under /usr/bin/time -v: wall seconds and peak memory."""
    started = time.monotonic()
    done = subprocess.run(
        ["/usr/bin/time", "-v", GUILDE, *command], env=env, capture_output=True, text=True
    )
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"guilde {' '.join(command)} failed:\n{done.stderr[-3000:]}")
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    return {
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(int(peak[1]) / 1024, 1) if peak else None,
        "output": done.stdout.strip().splitlines()[-1:],
    }


def _integrity(path: Path) -> str:
    lite = sqlite3.connect(path)
    try:
        return str(lite.execute("PRAGMA quick_check").fetchone()[0])
    finally:
        lite.close()


def idle(scratch: Path) -> dict[str, Any]:
    archive = scratch / "idle.tar.gz"
    made = _timed(_environment(DATA), "backup", str(archive))
    restored = scratch / "restored"
    back = _timed(_environment(restored), "restore", str(archive))
    result = {
        "backup": {**made, "bytes": archive.stat().st_size},
        "restore": {**back, "quick_check": _integrity(restored / "guilde.sqlite3")},
    }
    shutil.rmtree(restored)
    archive.unlink()
    return result


def during_writes(scratch: Path) -> dict[str, Any]:
    copy = ROOT / "var" / "bench-writes"
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["GUILDE_DATA_DIR"] = str(copy)
    import django

    django.setup()
    from guilde.core.tests.write_load import LOAD_SETTINGS, Instance, Ledger, seed, start_clients

    copy_data_set(copy)
    env = {**_environment(copy), **LOAD_SETTINGS}
    logs = scratch / "logs"
    logs.mkdir()
    instance = Instance(env, logs)
    ledger, stop = Ledger(), threading.Event()
    try:
        world = seed(env)
        instance.start()
        clients = start_clients(instance, world, ledger, stop)
        time.sleep(10)  # the load settles
        before, started = ledger.acknowledged(), time.monotonic()
        archive = scratch / "writes.tar.gz"
        made = _timed(env, "backup", str(archive))
        writes = ledger.acknowledged() - before
        seconds = time.monotonic() - started
    finally:
        stop.set()
        for client in locals().get("clients", []):
            client.join(timeout=60)
        instance.stop()
    refused = {k: v for k, v in ledger.statuses.items() if k != "2xx"}
    result = {
        "backup": {**made, "bytes": archive.stat().st_size},
        "writes_acknowledged_during_backup": writes,
        "writes_per_second_during_backup": round(writes / seconds, 1),
        "failed_requests": refused,
        "server_log_database_is_locked": sum(
            log.read_text(errors="replace").count("database is locked")
            for log in logs.glob("*.log")
        ),
    }
    archive.unlink()
    shutil.rmtree(copy)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-writes", action="store_true")
    options = parser.parse_args()
    ensure_data()
    subprocess.run([GUILDE, "migrate", "-v0"], env=_environment(DATA), check=True)
    with tempfile.TemporaryDirectory(prefix="guilde-bench-backup-") as folder:
        scratch = Path(folder)
        document: dict[str, Any] = {
            "benchmark": "backup",
            "data_set": "bench-1m",
            "database_bytes": (DATA / "guilde.sqlite3").stat().st_size,
            "idle": idle(scratch),
        }
        print(document, file=sys.stderr, flush=True)
        if not options.no_writes:
            document["during_writes"] = during_writes(scratch)
    emit(document)


if __name__ == "__main__":
    main()
