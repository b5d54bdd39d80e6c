from __future__ import annotations

from collections.abc import Iterator

import pytest

from guilde.webhooks.tests.factories import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP server on 127.0.0.1 for the test's webhooks to post to."""
    server = Receiver()
    yield server
    server.close()
