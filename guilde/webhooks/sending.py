"""One HTTP POST to a webhook's address (the standard library's ``http.client``).

No proxy, no redirect followed (a 3xx is a failure, as a redirect could lead anywhere), the
socket opened through :func:`guilde.webhooks.targets.guarded_connection`, a timeout on every
network operation, and at most a few kilobytes of the answer read.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

import guilde
from guilde.webhooks.targets import guarded_connection, private_allowed

READ_AT_MOST = 4096
ERROR_LENGTH = 500


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    duration_ms: int
    error: str

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def user_agent() -> str:
    return f"Guilde-Webhooks/{guilde.__version__} (+{settings.GUILDE_SITE_URL})"


def _connection(url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    connection: http.client.HTTPConnection
    if parts.scheme.lower() == "https":
        connection = http.client.HTTPSConnection(
            host, parts.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(host, parts.port, timeout=timeout)
    # http.client opens its socket with this attribute (socket.create_connection by default).
    connection._create_connection = guarded_connection(  # type: ignore[attr-defined]
        allow_private=private_allowed()
    )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return connection, path


def post(url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    timeout = float(settings.GUILDE_WEBHOOKS_TIMEOUT_SECONDS)
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        connection, path = _connection(url, timeout)
    except ValueError as error:  # an address the checks let through but http.client refuses
        return Outcome(None, elapsed(), _describe(error))
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": user_agent(),
                **headers,
            },
        )
        response = connection.getresponse()
        answer = response.read(READ_AT_MOST)
    except TimeoutError:
        return Outcome(None, elapsed(), f"no answer within {timeout:g} s")
    except (OSError, http.client.HTTPException, ValueError) as error:
        return Outcome(None, elapsed(), _describe(error))
    finally:
        connection.close()
    status = response.status
    if 200 <= status < 300:
        return Outcome(status, elapsed(), "")
    text = answer.decode("utf-8", "replace").strip()
    message = f"HTTP {status} {response.reason}".strip()
    if 300 <= status < 400:
        message += f" (redirects are not followed: {response.getheader('Location', '')})"
    elif text:
        message += f": {text}"
    return Outcome(status, elapsed(), message[:ERROR_LENGTH])


def _describe(error: BaseException) -> str:
    if isinstance(error, socket.gaierror):
        return f"the host name could not be resolved ({error.strerror})"
    if isinstance(error, ssl.SSLError):
        return f"TLS failed: {error.reason or error}"
    return (str(error) or type(error).__name__)[:ERROR_LENGTH]
