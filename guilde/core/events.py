"""Domain events: a service says what happened; other apps react in the worker.

A service that wants others to know calls :func:`publish` inside its transaction::

    publish("post.created", post_id=post.pk)

That enqueues one ``dispatch`` task (the database queue is the outbox: the event exists
if and only if the write committed). The worker then calls every handler an app declared
for that name::

    @subscriber("post.created")
    def notify_watchers(post_id: int) -> None: ...

This keeps the layers apart — discussions does not import notifications — while each
side effect stays explicit: the service names the event, the handler is an ordinary
function with its own tests. Handlers must be idempotent and must re-read what they need
(the world may have moved on since the event). A failing handler does not stop the others;
the task is retried with backoff.

Each event carries an id made when it is published; while its handlers run,
:func:`current_event` returns it. A task runs at least once — a retry runs every handler
again, and a worker killed in the middle of one leaves it to be run again
(guilde.core.scheduling) —, so what must happen once keys on it: a notification is made
once per recipient, kind and event (guilde.notifications.services.notify).
"""

from __future__ import annotations

import importlib
import logging
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.tasks import task

from guilde.core.retries import with_retries

logger = logging.getLogger(__name__)

Handler = Callable[..., None]
_current_event: ContextVar[str] = ContextVar("guilde_current_event", default="")
_handlers: dict[str, list[Handler]] = {}
_discovered = False


def subscriber(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        registered = _handlers.setdefault(name, [])
        if handler not in registered:
            registered.append(handler)
        return handler

    return register


def _discover() -> None:
    """Import every app's ``handlers`` module once."""
    global _discovered
    if _discovered:
        return
    for config in apps.get_app_configs():
        try:
            importlib.import_module(f"{config.name}.handlers")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.handlers":
                raise
    _discovered = True


def handlers_for(name: str) -> list[Handler]:
    _discover()
    return list(_handlers.get(name, []))


def current_event() -> str:
    """The id of the event whose handlers are running ("" outside a handler)."""
    return _current_event.get()


def publish(name: str, **payload: Any) -> None:
    """Record the event in the caller's transaction; handlers run in the worker."""
    dispatch.enqueue(name, payload, event_id=uuid.uuid4().hex)


@task()
@with_retries(attempts=5, backoff=timedelta(seconds=20))
def dispatch(name: str, payload: dict[str, Any], event_id: str = "") -> int:
    failures = []
    ran = 0
    token = _current_event.set(event_id)
    try:
        for handler in handlers_for(name):
            try:
                handler(**payload)
                ran += 1
            except Exception as error:
                logger.exception("handler %s of %s failed", handler.__qualname__, name)
                failures.append(error)
    finally:
        _current_event.reset(token)
    if failures:
        raise failures[0]
    return ran
