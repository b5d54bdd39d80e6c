"""Twenty sign-ups at the same instant through `guilde serve` on the test database.

The 200-client version is `bench/signups.py`.
"""

from __future__ import annotations

import pytest

from bench.signups import sign_up_concurrently, wait_for
from guilde.accounts.models import User
from guilde.core.testing import child_environment, free_port, guilde_command, running, wait_until


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_sign_ups_all_succeed(tmp_path):
    port = free_port()
    env = child_environment(
        GUILDE_RATE_LIMITS="bench",
        GUILDE_STATICFILES_STORAGE="django.contrib.staticfiles.storage.StaticFilesStorage",
    )
    log = tmp_path / "serve.log"
    with running(guilde_command("serve", "--port", str(port), "--workers", "2"), env, log):
        assert wait_for("127.0.0.1", port, "/healthz"), log.read_text()
        report = sign_up_concurrently("127.0.0.1", port, 20, prefix="rush")
    summary = report.summary()
    server_log = log.read_text()
    assert summary["succeeded"] == 20, summary
    assert summary["errors"] == 0, summary
    assert "database is locked" not in server_log
    assert "Internal Server Error" not in server_log
    assert wait_until(
        lambda: User.objects.filter(username__startswith="rush").count() == 20, timeout=5
    )
