"""`make bench`: run every benchmark, keep each one's JSON (its last line), and write them
together to bench/results/<date>-<machine>.json.

The page and search benchmarks use the canonical data set (var/bench, `guilde generate
--preset bench-1m`, made on first use: about 25 minutes on the 2-core machine).
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = (
    ("pages", [sys.executable, "bench/pages.py"]),
    ("search", [sys.executable, "bench/search.py"]),
    ("semantic", [sys.executable, "bench/semantic.py"]),
    ("people", [sys.executable, "bench/people.py"]),
    ("events", [sys.executable, "bench/events.py"]),
    ("matching", [sys.executable, "bench/matching.py"]),
    ("analytics", [sys.executable, "bench/analytics.py"]),
    ("backup", [sys.executable, "bench/backup.py"]),
    ("throughput", [sys.executable, "-m", "bench.throughput"]),
    ("community_archive", [sys.executable, "-m", "bench.community_archive"]),
    ("import_stackexchange", [sys.executable, "bench/import_stackexchange.py"]),
    ("bell", [sys.executable, "-m", "bench.bell"]),
    ("webserver", [sys.executable, "bench/webserver.py"]),
    ("signups", [sys.executable, "bench/signups.py", "--count", "200"]),
    ("load", [sys.executable, "bench/load.py", "--deployment", "embedded"]),
)


def main() -> None:
    results: dict[str, object] = {}
    for name, command in BENCHMARKS:
        started = time.monotonic()
        print(f"== {name}", file=sys.stderr, flush=True)
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            results[name] = {"error": done.stderr.strip().splitlines()[-1:] or ["failed"]}
        else:
            results[name] = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"   {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    folder = ROOT / "bench" / "results"
    folder.mkdir(exist_ok=True)
    path = folder / f"{datetime.now(UTC):%Y-%m-%d}-{platform.node()}.json"
    path.write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps({"written": str(path.relative_to(ROOT)), "benchmarks": list(results)}))


if __name__ == "__main__":
    main()
