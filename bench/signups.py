"""Concurrent sign-ups through `guilde serve` on SQLite, released at once by a barrier.

Each client first loads the sign-up page (cookie and CSRF token), then every client waits
at a barrier and all post their sign-up together. A sign-up succeeds when the server
answers 302 to the "confirm your e-mail" page. The server's log is searched for
"database is locked". Run from the repository root:

    .venv/bin/python bench/signups.py [--count 200]

It starts its own server (production settings, Argon2, `GUILDE_RATE_LIMITS=bench`) on a
fresh SQLite database in a temporary data folder, and prints one JSON document.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from typing import Any

from bench.report import emit

ROOT = Path(__file__).resolve().parent.parent
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PASSWORD = "a long enough demo passphrase"


@dataclass
class Outcome:
    status: int = 0
    location: str = ""
    seconds: float = 0.0
    error: str = ""


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    wall_seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        ok = [o for o in self.outcomes if o.status == 302 and "confirm-email" in o.location]
        latencies = sorted(o.seconds for o in self.outcomes)
        failures = [o for o in self.outcomes if o not in ok]
        return {
            "signups": len(self.outcomes),
            "succeeded": len(ok),
            "errors": len(failures),
            "error_samples": sorted({f"{o.status} {o.error}"[:200] for o in failures})[:5],
            "wall_seconds": round(self.wall_seconds, 2),
            "latency_seconds_p50": round(statistics.median(latencies), 3) if latencies else None,
            "latency_seconds_p95": round(latencies[int(len(latencies) * 0.95) - 1], 3)
            if latencies
            else None,
            "latency_seconds_max": round(latencies[-1], 3) if latencies else None,
        }


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    jar = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]
    return jar


def sign_up_concurrently(
    host: str, port: int, count: int, *, prefix: str, timeout: float = 180
) -> Report:
    """``count`` sign-ups released together; returns each one's outcome."""
    barrier = threading.Barrier(count + 1)
    report = Report(outcomes=[Outcome() for _ in range(count)])

    def one(index: int) -> None:
        outcome = report.outcomes[index]
        try:
            connection = http.client.HTTPConnection(host, port, timeout=timeout)
            connection.request("GET", "/accounts/signup/")
            page = connection.getresponse()
            body = page.read().decode()
            cookies = _cookies(page)
            match = CSRF_INPUT.search(body)
            if page.status != 200 or match is None:
                raise RuntimeError(f"sign-up page answered {page.status}")
            form = urllib.parse.urlencode(
                {
                    "csrfmiddlewaretoken": match.group(1),
                    "email": f"{prefix}{index}@example.org",
                    "username": f"{prefix}{index}",
                    "password1": PASSWORD,
                }
            )
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
                "Referer": f"http://{host}:{port}/accounts/signup/",
            }
        except Exception as error:  # every failure is reported; none stops the run
            outcome.error = f"preparing: {error}"
            barrier.wait()
            return
        barrier.wait()
        started = time.perf_counter()
        try:
            connection.request("POST", "/accounts/signup/", body=form, headers=headers)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
            outcome.status = response.status
            outcome.location = response.headers.get("Location", "")
            if response.status != 302:
                outcome.error = re.sub(r"\s+", " ", text)[:200]
        except Exception as error:
            outcome.error = str(error)
        finally:
            outcome.seconds = time.perf_counter() - started
            connection.close()

    threads = [threading.Thread(target=one, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    report.wall_seconds = time.perf_counter() - started
    return report


def wait_for(host: str, port: int, path: str, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(host, port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as data_dir:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "GUILDE_DATA_DIR": data_dir,
            "GUILDE_RATE_LIMITS": "bench",
            "GUILDE_STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
            "LOG_LEVEL": "WARNING",
        }
        env.pop("DATABASE_URL", None)
        python = sys.executable
        subprocess.run(
            [python, "-m", "guilde", "migrate", "--noinput", "-v0"], env=env, cwd=ROOT, check=True
        )
        log_path = Path(data_dir) / "serve.log"
        with log_path.open("wb") as log:
            server = subprocess.Popen(
                [python, "-m", "guilde", "serve", "--port", str(args.port)],
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                if not wait_for("127.0.0.1", args.port, "/healthz"):
                    raise SystemExit("the server did not start")
                report = sign_up_concurrently("127.0.0.1", args.port, args.count, prefix="bench")
                time.sleep(2)  # let the worker send the confirmation mails
            finally:
                server.terminate()
                server.wait(timeout=30)
        server_log = log_path.read_text(errors="replace")
        mails = len(list((Path(data_dir) / "mail").glob("*.eml")))
        summary = {
            "benchmark": "concurrent sign-ups through guilde serve on SQLite",
            "settings": "production (Argon2), GUILDE_RATE_LIMITS=bench, default serve options",
            "cpu_count": os.cpu_count(),
            **report.summary(),
            "database_is_locked_in_server_log": server_log.count("database is locked"),
            "server_errors_in_log": server_log.count("Internal Server Error"),
            "confirmation_mails_written": mails,
        }
    emit(summary)


if __name__ == "__main__":
    main()
