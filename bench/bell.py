"""The notification bell's cost: how many polls a second one machine answers.

Starts `guilde serve` (production settings, GUILDE_RATE_LIMITS=bench) on a fresh data
folder with the demo data, signs a demo member in, and loads `/notifications/bell/` with
32 keep-alive connections for 10 s (wrk if installed, else a thread pool). Prints JSON,
including how many open pages polling every 30 s that throughput serves.

    .venv/bin/python -m bench.bell
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from bench.report import emit
from bench.signups import wait_for
from bench.wrk import parse as parse_wrk

ROOT = Path(__file__).resolve().parent.parent
POLL_SECONDS = 30
PORT = 8766


def sign_in(email: str, password: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", PORT)
    connection.request("GET", "/accounts/login/")
    response = connection.getresponse()
    page = response.read().decode()
    cookies = {
        h.split("=", 1)[0]: h.split("=", 1)[1].split(";")[0]
        for h in response.headers.get_all("Set-Cookie") or []
    }
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1), "login": email, "password": password}
    )
    connection.request(
        "POST",
        "/accounts/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            "Referer": f"http://127.0.0.1:{PORT}/accounts/login/",
        },
    )
    response = connection.getresponse()
    response.read()
    for header in response.headers.get_all("Set-Cookie") or []:
        name, value = header.split("=", 1)
        cookies[name] = value.split(";")[0]
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def load_with_wrk(cookie: str) -> dict[str, float]:
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            "-c32",
            "-d10s",
            "--latency",
            "-H",
            f"Cookie: {cookie}",
            f"http://127.0.0.1:{PORT}/notifications/bell/",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return parse_wrk(output)


def load_with_threads(cookie: str) -> dict[str, float]:
    done, stop = [0], time.monotonic() + 10
    latencies: list[float] = []
    lock = threading.Lock()

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", PORT)
        while time.monotonic() < stop:
            started = time.perf_counter()
            connection.request("GET", "/notifications/bell/", headers={"Cookie": cookie})
            connection.getresponse().read()
            with lock:
                done[0] += 1
                latencies.append((time.perf_counter() - started) * 1000)

    threads = [threading.Thread(target=client) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    return {
        "requests_per_second": done[0] / 10,
        "latency_ms_p50": latencies[len(latencies) // 2],
        "latency_ms_p99": latencies[int(len(latencies) * 0.99)],
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "GUILDE_DATA_DIR": data_dir,
            "GUILDE_RATE_LIMITS": "bench",
            "LOG_LEVEL": "WARNING",
            "GUILDE_STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
        }
        env.pop("DATABASE_URL", None)
        for command in (["migrate", "--noinput", "-v0"], ["demo"]):
            subprocess.run(
                [sys.executable, "-m", "guilde", *command],
                env=env,
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
        server = subprocess.Popen(
            [sys.executable, "-m", "guilde", "serve", "--port", str(PORT), "--web-only"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            assert wait_for("127.0.0.1", PORT, "/healthz")
            cookie = sign_in("camille@atelier-numerique.example", "guilde-demo")
            result = load_with_wrk(cookie) if shutil.which("wrk") else load_with_threads(cookie)
        finally:
            server.terminate()
            server.wait(timeout=30)
    emit(
        {
            "benchmark": (
                "notification bell polls through guilde serve (2 web processes x 4 threads, SQLite)"
            ),
            "cpu_count": os.cpu_count(),
            "load_generator": "wrk" if shutil.which("wrk") else "python threads",
            **result,
            "open_pages_served_polling_every_30s": int(
                result["requests_per_second"] * POLL_SECONDS
            ),
        }
    )


if __name__ == "__main__":
    main()
