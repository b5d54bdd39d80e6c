"""Granian (WSGI) against Gunicorn (gthread), both serving Guilde's Django app.

What it measures: for each server, each thread count (blocking threads per Granian worker,
``--threads`` per Gunicorn worker) and each endpoint, the throughput, the latency
percentiles, the errors and the peak resident memory of the server's process tree, with
2 worker processes each on 127.0.0.1. The endpoints are ``/`` (a server-rendered template,
no SQL) and ``/readyz`` (a few SQLite queries and a file-cache write; it answers 503 since
no task worker runs, which is fine: it still exercises the database).

How: every (server, threads) pair gets a fresh data folder, migrated first, and its own
server subprocess; the load generator then runs a 3 s warm-up and a 10 s measurement with
32 keep-alive connections per endpoint, and the server is stopped with SIGTERM. The load
generator is ``wrk`` when it is on PATH, else a standard-library one (threads and
``http.client``). Memory is the peak over the run of the summed ``VmRSS`` of the server
process and all its descendants, read from ``/proc`` (shared pages count once per process).

Run it from the repository root::

    .venv/bin/python bench/webserver.py

The results are one JSON document on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from typing import Any

from bench.report import emit

ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
HOST = "127.0.0.1"
PROCESSES = 2
SERVERS = ("granian", "gunicorn")
ENDPOINTS = ("/", "/readyz")
WRK_THREADS = 2
WRK_MARKER = "WRK_JSON "
# Printed by wrk once the run is over: its own totals and percentiles, as one JSON line.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "%s{\\"requests\\": %d, \\"duration_us\\": %d, \\"connect\\": %d, \\"read\\": %d, "
    .. "\\"write\\": %d, \\"status\\": %d, \\"timeout\\": %d, "
    .. "\\"p50_us\\": %.1f, \\"p95_us\\": %.1f, \\"p99_us\\": %.1f}\\n",
    "WRK_JSON ", summary.requests, summary.duration, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Measurement:
    """One load run against one URL."""

    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    non_2xx: int

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


# Load generators ----------------------------------------------------------------------------


class WrkGenerator:
    """``wrk`` with a Lua ``done`` hook that prints its statistics as JSON."""

    def __init__(self, executable: str, connections: int, script: Path) -> None:
        self.executable = executable
        self.connections = connections
        self.script = script

    def describe(self) -> dict[str, Any]:
        version = subprocess.run(
            [self.executable, "--version"], capture_output=True, text=True, check=False
        )
        return {
            "tool": "wrk",
            "version": (version.stdout + version.stderr).splitlines()[0].strip(),
            "wrk_threads": WRK_THREADS,
            "connections": self.connections,
            "errors": "socket errors: connect + read + write + timeout (10 s)",
            "non_2xx": "wrk's status errors, i.e. responses with a status of 400 or more",
        }

    def run(self, url: str, seconds: float) -> Measurement:
        command = [
            self.executable,
            f"-t{WRK_THREADS}",
            f"-c{self.connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(self.script),
            url,
        ]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + 60, check=False
        )
        for line in done.stdout.splitlines():
            if line.startswith(WRK_MARKER):
                stats = json.loads(line.removeprefix(WRK_MARKER))
                break
        else:
            raise RuntimeError(f"wrk gave no statistics:\n{done.stdout}\n{done.stderr}")
        return Measurement(
            requests=int(stats["requests"]),
            seconds=stats["duration_us"] / 1e6,
            p50_ms=stats["p50_us"] / 1000,
            p95_ms=stats["p95_us"] / 1000,
            p99_ms=stats["p99_us"] / 1000,
            errors=sum(int(stats[kind]) for kind in ("connect", "read", "write", "timeout")),
            non_2xx=int(stats["status"]),
        )


@dataclass
class _ConnectionStats:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    non_2xx: int = 0


def _keep_requesting(port: int, path: str, deadline: float, stats: _ConnectionStats) -> None:
    """Send GET requests on one keep-alive connection until the deadline."""
    connection: http.client.HTTPConnection | None = None
    while time.perf_counter() < deadline:
        if connection is None:
            connection = http.client.HTTPConnection(HOST, port, timeout=10)
        started = time.perf_counter()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            stats.errors += 1
            connection.close()
            connection = None
            continue
        stats.latencies.append(time.perf_counter() - started)
        if not 200 <= response.status < 300:
            stats.non_2xx += 1
        if response.will_close:
            connection.close()
            connection = None
    if connection is not None:
        connection.close()


def _percentile(ordered: Sequence[float], percent: float) -> float:
    """Nearest-rank percentile of an already sorted sequence."""
    if not ordered:
        return 0.0
    rank = max(1, round(percent / 100 * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


class PythonGenerator:
    """One thread and one keep-alive ``http.client`` connection per simulated client."""

    def __init__(self, connections: int) -> None:
        self.connections = connections

    def describe(self) -> dict[str, Any]:
        return {
            "tool": "python (threads + http.client keep-alive)",
            "version": platform.python_version(),
            "connections": self.connections,
            "errors": "requests that raised (socket error, timeout of 10 s, bad response)",
            "non_2xx": "responses whose status is not 2xx",
            "caveat": "the generator holds the GIL: it may saturate before the server",
        }

    def run(self, url: str, seconds: float) -> Measurement:
        parsed = urllib.parse.urlsplit(url)
        port = parsed.port or 80
        path = parsed.path or "/"
        per_connection = [_ConnectionStats() for _ in range(self.connections)]
        started = time.perf_counter()
        deadline = started + seconds
        workers = [
            threading.Thread(target=_keep_requesting, args=(port, path, deadline, stats))
            for stats in per_connection
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - started
        latencies = sorted(value for stats in per_connection for value in stats.latencies)
        return Measurement(
            requests=len(latencies),
            seconds=elapsed,
            p50_ms=_percentile(latencies, 50) * 1000,
            p95_ms=_percentile(latencies, 95) * 1000,
            p99_ms=_percentile(latencies, 99) * 1000,
            errors=sum(stats.errors for stats in per_connection),
            non_2xx=sum(stats.non_2xx for stats in per_connection),
        )


LoadGenerator = WrkGenerator | PythonGenerator


# Servers --------------------------------------------------------------------------------------


def python_executable() -> str:
    return str(VENV_PYTHON) if VENV_PYTHON.exists() else sys.executable


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def server_env(data_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        GUILDE_DATA_DIR=str(data_dir),
        GUILDE_RATE_LIMITS="bench",
        GUILDE_STATICFILES_STORAGE="django.contrib.staticfiles.storage.StaticFilesStorage",
        PYTHONUNBUFFERED="1",
    )
    return env


def server_command(server: str, port: int, threads: int) -> list[str]:
    python = python_executable()
    if server == "granian":
        return [
            python, "-m", "granian", "--interface", "wsgi", "--host", HOST, "--port", str(port),
            "--workers", str(PROCESSES), "--blocking-threads", str(threads), "--no-ws",
            "config.wsgi:application",
        ]  # fmt: skip
    if server == "gunicorn":
        return [
            python, "-m", "gunicorn", "-w", str(PROCESSES), "-k", "gthread",
            "--threads", str(threads), "-b", f"{HOST}:{port}", "config.wsgi:application",
        ]  # fmt: skip
    raise ValueError(f"unknown server {server!r}")


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [python_executable(), "-m", "guilde", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def process_tree(root: int) -> list[int]:
    """``root`` and all its descendants, from the parent ids in ``/proc/<pid>/stat``."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rpartition(")")[2].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    tree, pending = [], [root]
    while pending:
        pid = pending.pop()
        tree.append(pid)
        pending.extend(children.get(pid, []))
    return tree


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def tree_rss_mb(root: int) -> float:
    return sum(rss_kib(pid) for pid in process_tree(root)) / 1024


class RssSampler:
    """Peak summed RSS of a process tree, sampled in a background thread."""

    def __init__(self, root: int, interval: float = 0.25) -> None:
        self.root = root
        self.interval = interval
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while True:
            self.peak_mb = max(self.peak_mb, tree_rss_mb(self.root))
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()


def status_of(port: int, path: str) -> int:
    connection = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def wait_until_answering(process: subprocess.Popen[bytes], port: int, log_file: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log_file.read_text()[-3000:]}")
        try:
            status_of(port, "/")
        except (OSError, http.client.HTTPException):
            time.sleep(0.2)
            continue
        return
    raise RuntimeError(f"server did not answer within 60 s:\n{log_file.read_text()[-3000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=40)
    except subprocess.TimeoutExpired:
        log(f"  pid {process.pid} ignored SIGTERM, killing its process group")
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


# The benchmark ----------------------------------------------------------------------------


def bench_server(
    server: str,
    threads: int,
    generator: LoadGenerator,
    warmup: float,
    duration: float,
    workdir: Path,
) -> list[dict[str, Any]]:
    data_dir = Path(tempfile.mkdtemp(prefix=f"data-{server}-{threads}-", dir=workdir))
    env = server_env(data_dir)
    log(f"{server}, {threads} threads: migrating {data_dir}")
    migrate(env)
    port = free_port()
    log_file = workdir / f"{server}-{threads}.log"
    with log_file.open("wb") as output:
        process = subprocess.Popen(
            server_command(server, port, threads),
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    results: list[dict[str, Any]] = []
    try:
        wait_until_answering(process, port, log_file)
        time.sleep(1)
        idle_mb = tree_rss_mb(process.pid)
        log(f"  pid {process.pid} on port {port}, {idle_mb:.1f} MB at rest")
        for endpoint in ENDPOINTS:
            url = f"http://{HOST}:{port}{endpoint}"
            status = status_of(port, endpoint)
            with RssSampler(process.pid) as sampler:
                generator.run(url, warmup)
                measured = generator.run(url, duration)
            log(
                f"  {endpoint} (status {status}): {measured.requests_per_second:.0f} req/s, "
                f"p50 {measured.p50_ms:.1f} ms, p99 {measured.p99_ms:.1f} ms, "
                f"{measured.errors} errors, {measured.non_2xx} non-2xx, "
                f"peak {sampler.peak_mb:.1f} MB"
            )
            results.append(
                {
                    "server": server,
                    "threads": threads,
                    "processes": PROCESSES,
                    "endpoint": endpoint,
                    "status": status,
                    "requests": measured.requests,
                    "requests_per_second": round(measured.requests_per_second, 1),
                    "latency_ms_p50": round(measured.p50_ms, 2),
                    "latency_ms_p95": round(measured.p95_ms, 2),
                    "latency_ms_p99": round(measured.p99_ms, 2),
                    "errors": measured.errors,
                    "non_2xx": measured.non_2xx,
                    "rss_mb": round(sampler.peak_mb, 1),
                    "rss_mb_idle": round(idle_mb, 1),
                }
            )
    finally:
        stop(process)
        log(f"  stopped (exit code {process.returncode})")
    return results


def package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--threads", type=int, nargs="+", default=[4, 8])
    parser.add_argument("--servers", nargs="+", choices=SERVERS, default=list(SERVERS))
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds")
    parser.add_argument("--generator", choices=("auto", "wrk", "python"), default="auto")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="guilde-bench-") as tmp:
        workdir = Path(tmp)
        wrk = shutil.which("wrk")
        generator: LoadGenerator
        if args.generator != "python" and wrk:
            script = workdir / "report.lua"
            script.write_text(WRK_SCRIPT)
            generator = WrkGenerator(wrk, args.connections, script)
        elif args.generator == "wrk":
            parser.error("wrk is not on PATH")
        else:
            generator = PythonGenerator(args.connections)

        results: list[dict[str, Any]] = []
        for threads in args.threads:
            for server in args.servers:
                results.extend(
                    bench_server(server, threads, generator, args.warmup, args.duration, workdir)
                )

    document = {
        "machine": {
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "servers": {name: package_version(name) for name in SERVERS},
        "load_generator": {
            **generator.describe(),
            "warmup_s": args.warmup,
            "duration_s": args.duration,
            "same_machine": "the generator shares the CPUs with the server",
        },
        "rss": "peak summed VmRSS of the server process and its descendants, sampled every 0.25 s",
        "results": results,
    }
    emit(document)


if __name__ == "__main__":
    main()
