"""A throwaway Guilde run as separate processes — two web servers and a worker on one
SQLite file — to follow a thread written through one web process until a search by
meaning through the other finds it (guilde/semantic/tests/test_processes.py checks that it
does; bench/semantic.py measures how long it takes).

Each piece is started as ``guilde serve`` starts it (``guilde serve --web-only`` twice, on
two ports, and ``guilde worker``), with production settings, in its own data folder: the
database is SQLite there whatever ``DATABASE_URL`` says, and so are the file cache and the
vector index. Nothing here is tuned: the worker and its scheduler keep their defaults.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from guilde.core.testing import ROOT, free_port, guilde_command, running, wait_until

START_SECONDS = 90.0


@dataclass(frozen=True)
class Question:
    """A question written in French, and how someone asks it in English: no word in
    common, in either language's analysis, so only its meaning finds it."""

    title: str
    body: str
    query: str
    keyword: str  # a word of the French text, which keyword search finds it by


QUESTIONS = (
    Question(
        "Comment empêcher la levure de mourir pendant la fermentation ?",
        "Ma bière arrête de buller au bout de deux jours et la densité ne bouge plus. Que faire ?",
        "my homebrew stopped bubbling after two days, what went wrong with the yeast",
        "levure",
    ),
    Question(
        "Pourquoi ma pâte à pain ne lève-t-elle pas ?",
        "J'ai suivi la recette à la lettre mais la pâte reste plate après trois heures au chaud.",
        "bread dough stays flat and never rises",
        "pâte",
    ),
    Question(
        "Comment réparer un vélo dont la chaîne saute ?",
        "Quand j'appuie fort sur les pédales, la chaîne déraille sans cesse à l'arrière.",
        "my bicycle drivetrain keeps skipping and slipping off the rear sprocket",
        "vélo",
    ),
    Question(
        "Quelles plantes supportent l'ombre sur un balcon orienté nord ?",
        "Mon balcon ne reçoit jamais de soleil direct ; je voudrais des fleurs qui y "
        "poussent bien.",
        "which flowers grow well without any sunlight on a north facing terrace",
        "balcon",
    ),
    Question(
        "Mon chien aboie dès que je quitte l'appartement",
        "Les voisins se plaignent : il hurle pendant des heures quand je pars travailler le matin.",
        "puppy barks and howls all day when left home alone",
        "chien",
    ),
    Question(
        "Comment dormir malgré le bruit de la rue ?",
        "Je me réveille chaque nuit à cause des voitures et des klaxons sous ma fenêtre.",
        "can't sleep because of traffic noise outside my bedroom window at night",
        "klaxons",
    ),
)

# A founder opens a French community; a member joins it and makes a token to write with.
SETUP = """
import json
from guilde.accounts.models import User
from guilde.accounts.services import token_create
from guilde.communities.services import community_create, membership_join
founder = User.objects.create_superuser("founder", "founder@example.invalid", None)
community = community_create(
    actor=founder, name="Questions du quotidien", domain="La vie de tous les jours",
    language="fr",
)
member = User.objects.create_user("member", "member@example.invalid", None)
membership_join(actor=member, community=community)
_token, plain = token_create(actor=member, member=member, name="processes", scope="write")
print(json.dumps({"token": plain, "community": community.slug}))
"""


def environment(data: Path) -> dict[str, str]:
    """The environment of every process of the instance in ``data``."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        GUILDE_DATA_DIR=str(data),
        PYTHONPATH=str(ROOT),
        # Static files as they are, without collectstatic's manifest.
        GUILDE_STATICFILES_STORAGE="django.contrib.staticfiles.storage.StaticFilesStorage",
        # A script polls the search several times a second: a person's limits would stop it.
        GUILDE_RATE_LIMITS="bench",
        # The member who writes joined a moment ago.
        GUILDE_NEW_ACCOUNT_DAYS="0",
    )
    return env


@dataclass
class Instance:
    urls: list[str]  # each web process's address
    token: str
    community: str
    logs: list[Path]

    def _call(self, url: str, body: dict[str, Any] | None = None) -> Any:
        request = urllib.request.Request(  # noqa: S310 (our own server, over http)
            url,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise AssertionError(f"{url}: {error.code} {error.read()[:500]!r}") from error

    def create_thread(self, question: Question, *, through: int) -> str:
        """The question written as a question thread through web process ``through``;
        returns its id, once the process has answered."""
        created = self._call(
            f"{self.urls[through]}/api/v1/communities/{self.community}/threads",
            {"kind": "question", "title": question.title, "body": question.body},
        )
        return str(created["id"])

    def found(self, q: str, *, mode: str, through: int) -> list[str]:
        """The ids of the threads on the first page of a search through ``through``."""
        query = urlencode({"q": q, "mode": mode})
        page = self._call(f"{self.urls[through]}/api/v1/search?{query}")
        return [r["id"] for r in page["results"] if r["type"] == "thread"]

    def wait_until_found(
        self, thread: str, q: str, *, through: int, timeout: float, interval: float = 0.1
    ) -> float | None:
        """Seconds until a search by meaning for ``q`` through ``through`` lists
        ``thread`` (searching every ``interval``); ``None`` after ``timeout``."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if thread in self.found(q, mode="semantic", through=through):
                return time.monotonic() - started
            time.sleep(interval)
        return None

    def log_tails(self, lines: int = 30) -> str:
        """The end of each process's output (for a failure's message)."""
        return "\n".join(
            f"--- {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
            for log in self.logs
        )


def _run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(  # noqa: S603 (our own fixed commands)
        command, env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"{' '.join(command[2:4])} failed:\n{done.stderr}")
    return done.stdout


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
            return bool(response.status == 200)
    except OSError:
        return False


@contextmanager
def processes(data: Path, *, web: int = 2) -> Iterator[Instance]:
    """A migrated instance in ``data`` with a member, a French community and the member's
    token, served by ``web`` web processes and one worker, ready; every process is stopped
    when the block ends, however it ends."""
    env = environment(data)
    _run(guilde_command("migrate", "--noinput", "-v0"), env)
    made = json.loads(_run(guilde_command("shell", "-c", SETUP), env).splitlines()[-1])
    ports = [free_port() for _ in range(web)]
    with ExitStack() as stack:
        logs = []
        for number, port in enumerate(ports, start=1):
            logs.append(data / f"web-{number}.log")
            command = guilde_command(
                "serve", "--web-only", "--port", str(port), "--workers", "1", "--threads", "2"
            )
            stack.enter_context(running(command, env, logs[-1]))
        logs.append(data / "worker.log")
        stack.enter_context(running(guilde_command("worker"), env, logs[-1]))
        instance = Instance(
            urls=[f"http://127.0.0.1:{port}" for port in ports],
            token=made["token"],
            community=made["community"],
            logs=logs,
        )
        # Each web process answers; the first sees the worker's heartbeat (/readyz).
        addresses = [f"{url}/healthz" for url in instance.urls] + [f"{instance.urls[0]}/readyz"]
        if not all(wait_until(partial(_answers, a), timeout=START_SECONDS) for a in addresses):
            raise RuntimeError(f"the instance did not start:\n{instance.log_tails()}")
        yield instance
