"""Logs: one line per record, as text (development) or as one JSON object per line
(``GUILDE_LOG_FORMAT=json``, for a log collector), each carrying the id of the request it
was written in.

:class:`~guilde.core.middleware.RequestIdMiddleware` gives every request an id — the
``X-Request-ID`` a proxy in front sent, when it looks like one, or a new one — answers it
in the response's ``X-Request-ID`` and writes one access line per request (logger
``guilde.access``: method, path without its query string, status, duration, member id).
:class:`RequestContextFilter` puts the id on every record written meanwhile, whatever the
logger, so a slow query, an error and its traceback, and the access line share it. Query
strings are never logged: they hold what people search for.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar, Token

_request_id: ContextVar[str] = ContextVar("guilde_request_id", default="")


def current_request_id() -> str:
    return _request_id.get()


def bind_request_id(value: str) -> Token[str]:
    return _request_id.set(value)


def unbind_request_id(token: Token[str]) -> None:
    _request_id.reset(token)


class RequestContextFilter(logging.Filter):
    """Adds ``request_id`` (and ``request_tag``, `` [id]`` or nothing, for text lines)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = _request_id.get()
        record.request_id = request_id
        record.request_tag = f" [{request_id}]" if request_id else ""
        return True


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s%(request_tag)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"
JSON_RENAMED = {"asctime": "time", "levelname": "level", "name": "logger"}


def logging_config(*, log_format: str, level: str) -> dict[str, object]:
    """The ``LOGGING`` setting for ``text`` or ``json`` lines on the standard error."""
    if log_format not in ("text", "json"):
        raise ValueError(f"GUILDE_LOG_FORMAT must be 'text' or 'json', not {log_format!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request": {"()": "guilde.core.logs.RequestContextFilter"}},
        "formatters": {
            "text": {"format": TEXT_FORMAT},
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": JSON_FIELDS,
                "rename_fields": JSON_RENAMED,
            },
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["request"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django": {"level": "INFO"},
            "django_tasks_db": {"level": "INFO"},
            # Every request has its access line; Django's own line for 4xx/5xx says less.
            "django.request": {"level": "ERROR"},
        },
    }
