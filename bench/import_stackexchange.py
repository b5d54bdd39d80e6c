"""The Stack Exchange import of ../shared's beer dump: time and peak memory, twice.

Runs `guilde import-stackexchange` in a child process on a fresh SQLite database (a
temporary data folder, production settings), then again on the same database (which must
add nothing), and reads each child's peak resident memory from the kernel
(``getrusage(RUSAGE_CHILDREN)``: the largest child so far). Prints one JSON document.

    .venv/bin/python bench/import_stackexchange.py [PATH]
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.report import emit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT.parent / "shared" / "data" / "stackexchange" / "beer.stackexchange.com.7z"


def run(command: list[str], env: dict[str, str]) -> tuple[float, int, dict[str, object]]:
    started = time.monotonic()
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    seconds = time.monotonic() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, peak_kb, json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    dump = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    guilde = str(ROOT / ".venv" / "bin" / "guilde")
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "GUILDE_DATA_DIR": data, "DJANGO_SETTINGS_MODULE": "config.settings"}
        subprocess.run([guilde, "migrate", "-v0"], env=env, cwd=ROOT, check=True)
        first_seconds, first_peak, first = run(
            [guilde, "import-stackexchange", str(dump), "--quiet"], env
        )
        second_seconds, second_peak, second = run(
            [guilde, "import-stackexchange", str(dump), "--quiet"], env
        )
    added_again = sum(
        v
        for k, v in second.items()
        if k.endswith(("_added", "_updated", "_created")) and isinstance(v, int)
    )
    emit(
        {
            "benchmark": "guilde import-stackexchange, fresh SQLite, production settings",
            "dump": dump.name,
            "cpu_count": os.cpu_count(),
            "first_run_seconds": round(first_seconds, 1),
            "second_run_seconds": round(second_seconds, 1),
            # ru_maxrss of the children: the larger of the two runs (and of `migrate`).
            "peak_resident_mb": round(max(first_peak, second_peak) / 1024, 1),
            "counts": first,
            "rows_added_or_updated_by_the_second_run": added_again,
        }
    )


if __name__ == "__main__":
    main()
