"""The write load and the instance used by the crash test (``test_crash.py``) and by the
backup benchmark (``bench/backup.py``).

The write load: API clients, one thread each, writing answers, votes, RSVPs and article
revisions with no pause, into the world ``crash_world`` makes (``seed``), and a ledger of
what each sent and what the server acknowledged. The instance: ``guilde serve`` (web) and
``guilde worker`` processes on a data folder and database of their own, started, stopped,
or killed with SIGKILL together with everything they started.

A plain module, not a test module: it holds no tests.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from guilde.core.testing import ROOT, free_port, guilde_command, wait_until

CLIENTS = 4

LOAD_SETTINGS = {
    "GUILDE_RATE_LIMITS": "bench",
    "GUILDE_NEW_ACCOUNT_DAYS": "0",
    "GUILDE_BACKUPS": "false",
    "GUILDE_WORKER_HEARTBEAT_SECONDS": "0.5",
    "GUILDE_WORKER_STALE_AFTER_SECONDS": "3",
    "GUILDE_SCHEDULER_TICK": "0.2",
}


# The clients: a write load that remembers what was acknowledged ---------------------------


@dataclass
class Ledger:
    """What the clients sent, and what the server acknowledged (2xx)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    posts: dict[int, tuple[int, str]] = field(default_factory=dict)  # id: (thread, body)
    # (member, post) or (member, event): every value sent, in order, and whether acknowledged.
    votes: dict[tuple[int, int], list[list[Any]]] = field(default_factory=lambda: defaultdict(list))
    rsvps: dict[tuple[int, int], list[list[Any]]] = field(default_factory=lambda: defaultdict(list))
    revisions: list[tuple[int, str]] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)

    def acknowledged(self) -> int:
        with self.lock:
            return self.statuses["2xx"]


def _client(base: str, me: dict[str, Any], ledger: Ledger, stop: threading.Event) -> None:
    """Write to ``base`` as the client ``me`` until ``stop`` is set: answers, votes, RSVPs
    and revisions at random, each recorded in ``ledger`` with whether it was acknowledged."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {me['token']}"
    rng = random.Random(me["member"])  # noqa: S311 (a load, not a secret)
    serial = 0
    while not stop.is_set():
        serial += 1
        marker = f"crash-{me['member']}-{serial}"
        action = rng.choice(["answer", "answer", "vote", "rsvp", "revise"])
        sent: list[Any] | None = None
        body: dict[str, Any]
        if action == "answer":
            thread = rng.choice([me["thread"], *me["answer_in"]])
            method, url, body = "POST", f"/api/v1/threads/{thread}/posts", {"body": marker}
        elif action == "vote":
            post = rng.choice(me["vote_on"])
            value = rng.choice([-1, 0, 1])
            method, url, body = "PUT", f"/api/v1/posts/{post}/vote", {"value": value}
            sent = [value, False]
            with ledger.lock:
                ledger.votes[(me["member"], post)].append(sent)
        elif action == "rsvp":
            event = rng.choice(me["events"])
            answer = rng.choice(["in_person", "online", "interested", "not_going"])
            method, url, body = "PUT", f"/api/v1/events/{event}/rsvp", {"response": answer}
            sent = [answer, False]
            with ledger.lock:
                ledger.rsvps[(me["member"], event)].append(sent)
        else:
            article = me["article"]
            method, url = "PATCH", f"/api/v1/articles/{article}"
            body = {"title": f"Guide {me['member']}", "body": marker}
        try:
            response = session.request(method, base + url, json=body, timeout=30)
        except requests.RequestException:
            with ledger.lock:
                ledger.statuses["no answer"] += 1
            time.sleep(0.05)  # the server is down: try again soon
            continue
        with ledger.lock:
            if response.status_code >= 300:
                ledger.statuses[f"{response.status_code} {action}: {response.text[:200]}"] += 1
                continue
            ledger.statuses["2xx"] += 1
            if sent is not None:
                sent[1] = True
            if action == "answer":
                ledger.posts[int(response.json()["id"])] = (thread, marker)
            elif action == "revise":
                ledger.revisions.append((article, marker))


# The processes ------------------------------------------------------------------------------


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (the web server's workers are in process groups
    of their own)."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children[parent].append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _kill(*processes: subprocess.Popen[bytes] | None) -> None:
    """SIGKILL each process and everything it started, all at once."""
    running = [p for p in processes if p is not None and p.poll() is None]
    pids = [pid for p in running for pid in _descendants(p.pid)]
    for pid in pids:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    for process in running:
        process.wait(timeout=30)


class Instance:
    """``guilde serve`` (web only, two workers) and ``guilde worker`` on the data folder and
    database of ``env``, started together on a free port, logging to ``logs`` (one file per
    process and start)."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.web: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def spawn(self, name: str, *command: str) -> subprocess.Popen[bytes]:
        """Start ``guilde *command`` in a session of its own, logging to ``name-<start>.log``."""
        log = (self.logs / f"{name}-{self.starts}.log").open("wb")
        return subprocess.Popen(
            guilde_command(*command),
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start(self) -> None:
        self.starts += 1
        self.web = self.spawn(
            "web", "serve", "--web-only", "--port", str(self.port), "--workers", "2"
        )
        self.worker = self.spawn("worker", "worker", "--interval", "0.1")

        def answers() -> bool:
            try:
                return requests.get(self.base + "/healthz", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        assert wait_until(answers, timeout=90, interval=0.2), self.log_tail()

    def kill(self, *others: subprocess.Popen[bytes] | None) -> None:
        _kill(self.web, self.worker, *others)
        self.web = self.worker = None

    def stop(self) -> None:
        for process in (self.web, self.worker):
            if process is not None:
                process.send_signal(signal.SIGTERM)
        for process in (self.web, self.worker):
            if process is not None:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    _kill(process)
        self.web = self.worker = None

    def log_tail(self) -> str:
        return "\n".join(
            f"--- {log.name}\n{log.read_text(errors='replace')[-2000:]}"
            for log in sorted(self.logs.glob("*.log"))
        )


# The world and the clients started on it ---------------------------------------------------


def seed(env: dict[str, str]) -> dict[str, Any]:
    """Make the world the clients write into, in the instance of ``env``, by a process of
    its own (``crash_world``): the JSON it prints, one entry of ``clients`` per client."""
    made = subprocess.run(
        [sys.executable, "-m", "guilde.core.tests.crash_world", str(CLIENTS)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert made.returncode == 0, made.stderr[-3000:]
    world: dict[str, Any] = json.loads(made.stdout.strip().splitlines()[-1])
    return world


def start_clients(
    instance: Instance, world: dict[str, Any], ledger: Ledger, stop: threading.Event
) -> list[threading.Thread]:
    """Start one client thread per entry of ``world["clients"]``, writing to ``instance``
    and recording into ``ledger`` until ``stop`` is set."""
    clients = [
        threading.Thread(target=_client, args=(instance.base, me, ledger, stop), daemon=True)
        for me in world["clients"]
    ]
    for client in clients:
        client.start()
    return clients
