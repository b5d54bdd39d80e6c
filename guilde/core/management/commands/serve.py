"""``guilde serve``: the web server and the worker, started and stopped together.

The web server is Granian (WSGI), chosen by measurement (docs/decisions/0003). Each part
runs in its own process group so that Ctrl-C reaches only this supervisor, which asks
each child once to stop (SIGTERM), waits for them, and exits. If one part dies, the
other is stopped too and the exit status says so. With ``GUILDE_STOP_WITH_PARENT=1``
(set by ``make run``), the supervisor also stops when its parent goes away, so that
stopping ``make`` never leaves a server behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError

GRACE_SECONDS = 15.0


def default_web_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


class Command(BaseCommand):
    help = "Serve the web application and run the background worker beside it."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default=os.environ.get("GUILDE_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("GUILDE_PORT", 8000)))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("GUILDE_WEB_WORKERS", default_web_workers())),
            help="Web server processes (default: CPU count, at most 4).",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("GUILDE_WEB_THREADS", 4)),
            help="Request threads per web process (default 4).",
        )
        parser.add_argument(
            "--task-workers",
            type=int,
            default=int(os.environ.get("GUILDE_TASK_WORKERS", 1)),
            help="Background worker processes (default 1).",
        )
        only = parser.add_mutually_exclusive_group()
        only.add_argument("--web-only", action="store_true", help="Run the web server alone.")
        only.add_argument("--worker-only", action="store_true", help="Run the worker alone.")

    def handle(self, *args: Any, **options: Any) -> None:
        commands: dict[str, list[str]] = {}
        if not options["worker_only"]:
            commands["web"] = [
                sys.executable,
                "-m",
                "granian",
                "--interface",
                "wsgi",
                "--host",
                options["host"],
                "--port",
                str(options["port"]),
                "--workers",
                str(options["workers"]),
                "--blocking-threads",
                str(options["threads"]),
                "--no-ws",
                # No access log of Granian's: Guilde writes one line per request, with its
                # id (RequestIdMiddleware), in the format GUILDE_LOG_FORMAT chooses.
                "config.wsgi:application",
            ]
        if not options["web_only"]:
            for number in range(options["task_workers"]):
                commands[f"worker-{number + 1}"] = [sys.executable, "-m", "guilde", "worker"]
        exit_code = Supervisor(commands, self.stdout.write).run()
        if exit_code:
            raise CommandError(f"stopped with exit status {exit_code}", returncode=exit_code)


class Supervisor:
    def __init__(self, commands: dict[str, list[str]], say: Any) -> None:
        self.commands = commands
        self.say = say
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.stopping = False
        self.exit_code = 0

    def _request_stop(self, signum: int, frame: FrameType | None) -> None:
        if self.stopping:
            return
        self.say(f"Received {signal.Signals(signum).name}: stopping.")
        self._stop_all()

    def _stop_all(self) -> None:
        self.stopping = True
        for child in self.children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    def run(self) -> int:
        signal.signal(signal.SIGINT, self._request_stop)
        signal.signal(signal.SIGTERM, self._request_stop)
        env = {**os.environ}
        env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        for name, command in self.commands.items():
            self.children[name] = subprocess.Popen(  # noqa: S603 (our own fixed commands)
                command, env=env, start_new_session=True
            )
            self.say(f"Started {name} (pid {self.children[name].pid}).")
        deadline: float | None = None
        parent = os.getppid()
        watch_parent = os.environ.get("GUILDE_STOP_WITH_PARENT") == "1"
        while any(child.poll() is None for child in self.children.values()):
            if watch_parent and not self.stopping and os.getppid() != parent:
                self.say("The parent process is gone: stopping.")
                self._stop_all()
            for name, child in self.children.items():
                code = child.poll()
                if code is not None and not self.stopping:
                    self.say(f"{name} exited with status {code}: stopping the others.")
                    self.exit_code = code or 1
                    self._stop_all()
            if self.stopping and deadline is None:
                deadline = time.monotonic() + GRACE_SECONDS
            if deadline is not None and time.monotonic() > deadline:
                for name, child in self.children.items():
                    if child.poll() is None:
                        self.say(f"{name} did not stop in time: killing it.")
                        child.kill()
            time.sleep(0.1)
        self.say("Stopped.")
        return self.exit_code
