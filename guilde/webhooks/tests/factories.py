"""A real HTTP receiver on 127.0.0.1 and helpers for the webhook tests."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from guilde.accounts.models import User
from guilde.communities.models import Community
from guilde.core.testing import run_queued_tasks
from guilde.webhooks import services
from guilde.webhooks.models import REMOVALS, EventKind, Webhook

# Every event but the removals (which chat webhooks may not choose).
ANNOUNCEMENTS = [kind for kind in EventKind.values if kind not in REMOVALS]


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """An HTTP server in a thread of the test process: records every request and answers
    with the next status of ``statuses`` (the last one again once they run out)."""

    statuses: list[int] = field(default_factory=lambda: [200])
    requests: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.requests.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                status = (
                    receiver.statuses.pop(0)
                    if len(receiver.statuses) > 1
                    else (receiver.statuses[0])
                )
                answer = b"ok" if status < 300 else b"receiver says no"
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/hook?from=guilde"

    def answer(self, *statuses: int) -> None:
        self.statuses = list(statuses)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def webhook_for(
    community: Community | None,
    owner: User,
    url: str,
    *,
    events: Iterable[str] = ANNOUNCEMENTS,
    format: str = Webhook.Format.GUILDE,
    include_private: bool = False,
    name: str = "Receiver",
) -> tuple[Webhook, str]:
    return services.webhook_create(
        actor=owner,
        community=community,
        name=name,
        url=url,
        format=format,
        events=list(events),
        include_private=include_private,
    )


def run_retries_now() -> int:
    """Make the attempts scheduled for later ready now, and run them (one round)."""
    DBTaskResult.objects.filter(status="READY", run_after__gt=timezone.now()).update(
        run_after=timezone.now()
    )
    return run_queued_tasks()
