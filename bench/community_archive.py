"""A large community moved: `guilde export-community`, then `guilde import-community` into a
new, empty instance, on the canonical data set (the public community with the most posts).

    .venv/bin/python -m bench.community_archive

Reports seconds and peak memory of each command, the archive's size and the counts.
Prints one JSON document; its last line is the JSON on one line.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from bench.pages import DATA, ensure_data
from bench.report import emit

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench-archive"
GUILDE = str(ROOT / ".venv" / "bin" / "guilde")


def run(data: Path, *arguments: str) -> tuple[float, str]:
    env = {
        **os.environ,
        "GUILDE_DATA_DIR": str(data),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("DATABASE_URL", None)
    started = time.monotonic()
    done = subprocess.run(
        [GUILDE, *arguments], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return time.monotonic() - started, done.stdout


def largest_community() -> str:
    code = (
        "from django.db.models import Count;"
        "from guilde.communities.models import Community;"
        "print(Community.objects.filter(visibility='public')"
        ".annotate(n=Count('threads__posts')).order_by('-n').first().slug)"
    )
    return run(DATA, "shell", "-c", code)[1].strip().splitlines()[-1]


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)


def main() -> None:
    ensure_data()
    shutil.rmtree(WORK, ignore_errors=True)
    target = WORK / "target"
    target.mkdir(parents=True)
    slug = largest_community()
    archive = WORK / f"{slug}.zip"
    export_seconds, output = run(DATA, "export-community", slug, str(archive), "--quiet")
    counts: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    export_peak = peak_mb()
    run(target, "migrate", "-v0")
    import_seconds, output = run(target, "import-community", str(archive), "--quiet")
    imported = json.loads(output.strip().splitlines()[-1])
    emit(
        {
            "benchmark": "a community exported, then imported into an empty instance (SQLite)",
            "community": slug,
            "counts": {k: v for k, v in counts.items() if k != "file"},
            "archive_mb": round(archive.stat().st_size / 2**20, 1),
            "export_seconds": round(export_seconds, 1),
            "export_peak_mb": export_peak,
            "import_seconds": round(import_seconds, 1),
            "peak_mb": peak_mb(),
            "imported_counts_match": all(
                imported.get(k) == v for k, v in counts.items() if k != "file"
            ),
        }
    )
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
