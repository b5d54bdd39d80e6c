"""Thread pages per second through `guilde serve` (2 web processes), on the canonical data.

Starts `guilde serve --web-only` (production settings, `GUILDE_RATE_LIMITS=bench`) on the
data set in var/bench (see bench/pages.py), then loads it over loopback with wrk: 8
keep-alive connections, 2 threads, 15 s, each request a different thread page among 200
(a Lua script walks the list), first as visitors — after a warm-up, whole pages come from
the visitors' page cache — then as one signed-in member, whose pages are always rendered
afresh (and who marks each thread read: a write per page). The same load on `/healthz`
gives the framework's ceiling on this machine: the ratio tells how close the thread page
is to it.

    .venv/bin/python -m bench.throughput

Prints one JSON document; its last line is the JSON on one line.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.pages import DATA, ensure_data
from bench.report import emit
from bench.signups import wait_for
from bench.wrk import parse as parse_wrk

ROOT = Path(__file__).resolve().parent.parent
PORT = 8767
WRK_SCRIPT = """
local paths = {%s}
local index = 0
request = function()
  index = index %% #paths + 1
  return wrk.format("GET", paths[index])
end
"""


def guilde_shell(code: str) -> str:
    """What ``guilde shell -c code`` prints, on the canonical data set."""
    env = {**os.environ, "GUILDE_DATA_DIR": str(DATA), "DJANGO_SETTINGS_MODULE": "config.settings"}
    return subprocess.run(
        [str(ROOT / ".venv" / "bin" / "guilde"), "shell", "-c", code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def thread_paths(count: int = 200) -> list[str]:
    output = guilde_shell(
        "from guilde.discussions.models import Thread;"
        "from guilde.discussions.selectors import POSTS_PER_PAGE;"
        "print('\\n'.join(t.get_absolute_url() for t in Thread.objects.filter("
        "community__visibility='public', last_position__gte=POSTS_PER_PAGE)"
        f".select_related('community').order_by('pk')[:{count}]))"
    )
    return [line for line in output.splitlines() if line.startswith("/")]


def member_cookie() -> str:
    """A session of a signed-in member, as a Cookie header."""
    output = guilde_shell(
        "from importlib import import_module;"
        "from django.conf import settings;"
        "from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY;"
        "from guilde.accounts.models import User;"
        "member = User.objects.real().filter(memberships__isnull=False).order_by('pk').first();"
        "session = import_module(settings.SESSION_ENGINE).SessionStore();"
        "session[SESSION_KEY] = str(member.pk);"
        "session[BACKEND_SESSION_KEY] = 'django.contrib.auth.backends.ModelBackend';"
        "session[HASH_SESSION_KEY] = member.get_session_auth_hash();"
        "session.save();"
        "print(f'{settings.SESSION_COOKIE_NAME}={session.session_key}')"
    )
    return "Cookie: " + output.strip().splitlines()[-1]


def wrk(paths: list[str], seconds: int = 15, header: str = "") -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % ", ".join(json.dumps(p) for p in paths))
    try:
        output = subprocess.run(
            [
                "wrk",
                "-t2",
                "-c8",
                f"-d{seconds}s",
                "--latency",
                *(["-H", header] if header else []),
                "-s",
                script.name,
                f"http://127.0.0.1:{PORT}",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    return parse_wrk(output)


def main() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    ensure_data()
    paths = thread_paths()
    cookie = member_cookie()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "GUILDE_DATA_DIR": str(DATA),
        "GUILDE_RATE_LIMITS": "bench",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DATABASE_URL", None)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "guilde",
            "serve",
            "--port",
            str(PORT),
            "--web-only",
            "--workers",
            "2",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_for("127.0.0.1", PORT, "/healthz")
        wrk(paths, seconds=12)  # warm-up: every page at least once in each process
        pages = wrk(paths)
        member_pages = wrk(paths, header=cookie)
        trivial = wrk(["/healthz"])
    finally:
        server.terminate()
        server.wait(timeout=30)
    document: dict[str, Any] = {
        "benchmark": "thread pages through guilde serve (2 web processes), wrk 8 connections, 15 s",
        "distinct_pages": len(paths),
        "thread_page": pages,
        "thread_page_signed_in": member_pages,
        "trivial_view": trivial,
        "ratio_to_trivial": round(pages["requests_per_second"] / trivial["requests_per_second"], 3),
    }
    emit(document)


if __name__ == "__main__":
    main()
