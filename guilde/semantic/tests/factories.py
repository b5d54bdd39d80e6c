"""Questions written through the services, and the worker's part done at once."""

from __future__ import annotations

from typing import Any

from guilde.communities.tests.factories import member_of
from guilde.core.testing import run_queued_tasks
from guilde.discussions import services as discussions
from guilde.discussions.models import Thread
from guilde.semantic.tasks import refresh_vector_index


def question(community: Any, title: str, body: str = "Any advice?") -> Thread:
    """A question thread by a new member of ``community``."""
    return discussions.thread_create(
        actor=member_of(community), community=community, kind="question", title=title, body=body
    )


def indexed() -> None:
    """What the worker does after changes: embed them, then build the vector index."""
    run_queued_tasks()
    refresh_vector_index.call()
