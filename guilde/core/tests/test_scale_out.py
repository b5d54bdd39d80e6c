"""Scale-out (issue 19): two web processes and one worker, each started on its own, sharing
PostgreSQL (through Django's connection pool) and Redis. What is written through one is
seen, notified, searchable (keyword and semantic) and counted through the other; the rate
limits count across processes; every log line is JSON with its request's id.

Runs where the suite runs on PostgreSQL (the second stage of ``.ci/run``); Redis must
answer on 127.0.0.1:6379 (``.ci/run`` starts it).
"""

from __future__ import annotations

import json
import os
import subprocess
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import requests

from guilde.core.testing import ROOT, free_port, guilde_command, wait_until
from guilde.core.tests.instances import fresh_instance
from guilde.core.tests.write_load import seed

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="scale-out runs on PostgreSQL (the suite's PostgreSQL stage)",
    ),
]

REDIS_DB = 11  # a Redis database of the test's own, emptied before and after


class Process:
    def __init__(self, name: str, command: list[str], env: dict[str, str], logs: Path) -> None:
        self.log = logs / f"{name}.log"
        with self.log.open("wb") as out:
            self.popen = subprocess.Popen(
                command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
            )

    def stop(self) -> None:
        self.popen.terminate()
        try:
            self.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()

    def lines(self) -> list[dict[str, Any]]:
        """The JSON lines of the log (Granian's own start-up lines are not Guilde's)."""
        found = []
        for line in self.log.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                found.append(json.loads(line))
        return found


def _redis(*command: str) -> str:
    done = subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "-p", "6379", "-n", str(REDIS_DB), *command],
        capture_output=True,
        text=True,
        timeout=30,
    )
    return done.stdout.strip()


def _answers(base: str) -> bool:
    try:
        return requests.get(base + "/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _ready(base: str) -> bool:
    return requests.get(base + "/readyz", timeout=5).status_code == 200


def test_two_web_processes_and_a_worker_share_postgresql_and_redis(tmp_path: Path) -> None:
    if _redis("PING") != "PONG":
        pytest.fail("Redis does not answer on 127.0.0.1:6379 (.ci/run starts it)")
    _redis("FLUSHDB")
    logs = tmp_path / "logs"
    logs.mkdir()
    processes: list[Process] = []
    with fresh_instance(tmp_path / "instance") as env:
        env.update(
            REDIS_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
            GUILDE_DB_POOL_SIZE="4",
            GUILDE_LOG_FORMAT="json",
            GUILDE_BACKUPS="false",
            GUILDE_NEW_ACCOUNT_DAYS="0",
            GUILDE_SCHEDULER_TICK="0.2",
        )
        world = seed(env)
        writer, asker = world["clients"][1], world["clients"][0]
        bases = []
        try:
            for name in ("web-a", "web-b"):
                port = free_port()
                command = guilde_command(
                    "serve", "--web-only", "--port", str(port), "--workers", "1"
                )
                processes.append(Process(name, command, env, logs))
                bases.append(f"http://127.0.0.1:{port}")
            processes.append(
                Process("worker", guilde_command("worker", "--interval", "0.1"), env, logs)
            )
            for base in bases:
                assert wait_until(partial(_answers, base), timeout=90), "\n".join(
                    p.log.read_text(errors="replace")[-2000:] for p in processes
                )
            a, b = bases

            def session(token: str) -> requests.Session:
                made = requests.Session()
                made.headers["Authorization"] = f"Bearer {token}"
                return made

            as_writer, as_asker = session(writer["token"]), session(asker["token"])
            # Both processes are ready: database, cache, task queue and a live worker.
            for base in bases:
                assert wait_until(partial(_ready, base), timeout=60), requests.get(
                    base + "/readyz", timeout=5
                ).text

            # Written through A: an answer to the asker's question, and a new thread.
            answered = as_writer.post(
                f"{a}/api/v1/threads/{asker['thread']}/posts",
                json={"body": "Keep a zanzibarquokka notebook by the kettle."},
                headers={"X-Request-ID": "scale-out-answer-1"},
                timeout=30,
            )
            assert answered.status_code == 201, answered.text
            post = answered.json()["id"]
            started = as_writer.post(
                f"{a}/api/v1/communities/{world['community']}/threads",
                json={
                    "kind": "question",
                    "title": "Quokkas of Rottnest Island and their famous smiles",
                    "body": "Why do quokkas look as if they smile at visitors?",
                },
                timeout=30,
            )
            assert started.status_code == 201, started.text
            thread = started.json()["id"]

            # Seen through B.
            posts = requests.get(f"{b}/api/v1/threads/{asker['thread']}/posts", timeout=30)
            assert post in [p["id"] for p in posts.json()["results"]]
            # Notified, through B (the worker ran the event's handlers), and counted.
            assert wait_until(
                lambda: (
                    post
                    in [
                        n["post"]
                        for n in as_asker.get(f"{b}/api/v1/me/notifications", timeout=30).json()[
                            "results"
                        ]
                    ]
                ),
                timeout=60,
            )
            count = as_asker.get(f"{b}/api/v1/me/notifications/count", timeout=30).json()
            assert count["unread"] >= 1
            # Searchable through B: by keyword (the index the worker wrote)...
            assert wait_until(
                lambda: (
                    str(post)
                    in [
                        r["id"]
                        for r in requests.get(
                            f"{b}/api/v1/search", params={"q": "zanzibarquokka"}, timeout=30
                        ).json()["results"]
                    ]
                ),
                timeout=60,
            )
            # ...and by meaning (the vector index the worker rebuilt, mapped by B).
            assert wait_until(
                lambda: (
                    str(thread)
                    in [
                        r["id"]
                        for r in requests.get(
                            f"{b}/api/v1/search",
                            params={
                                "q": "smiling marsupials on an island in Australia",
                                "mode": "semantic",
                                "type": "thread",
                            },
                            timeout=30,
                        ).json()["results"][:3]
                    ]
                ),
                timeout=90,
                interval=1,
            )
            # Counted through B: a member who joins through A is one more member.
            before = requests.get(f"{b}/api/v1/communities/{world['community']}", timeout=30)
            joined = session(world["outsider"]).post(
                f"{a}/api/v1/communities/{world['community']}/join", json={}, timeout=30
            )
            assert joined.status_code in (200, 201), joined.text
            after = requests.get(f"{b}/api/v1/communities/{world['community']}", timeout=30)
            assert after.json()["member_count"] == before.json()["member_count"] + 1
            # Rate limits count across processes (Redis): anonymous reads, 120 a minute per
            # address, alternately through A and B.
            statuses = [
                requests.get(f"{base}/api/v1/communities", timeout=30).status_code
                for _ in range(65)
                for base in bases
            ]
            assert statuses.count(429) >= 1
            assert statuses.index(429) <= 121
        finally:
            for process in processes:
                process.stop()
            _redis("FLUSHDB")

    # Every Guilde log line is JSON; A's access line carries the id the client sent.
    web_a = processes[0].lines()
    access = [line for line in web_a if line.get("logger") == "guilde.access"]
    assert access
    sent = [line for line in access if line["request_id"] == "scale-out-answer-1"]
    assert [(line["method"], line["status"]) for line in sent] == [("POST", 201)]
    worker_lines = processes[2].lines()
    assert any("Task id=" in line["message"] for line in worker_lines)
