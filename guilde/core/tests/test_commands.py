from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import urllib.request
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command

from guilde.core.testing import (
    ROOT,
    child_environment,
    free_port,
    guilde_command,
    wait_until,
)


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label not in {"sessions", "django_tasks_database", "core"}
    }


@pytest.mark.django_db
def test_demo_data_loads_once_and_a_second_run_adds_nothing():
    call_command("demo", stdout=io.StringIO())
    first = _row_counts()
    assert first["accounts.User"] >= 1
    call_command("demo", stdout=io.StringIO())
    assert _row_counts() == first


def _get_json(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
    except OSError:
        return 0, {}


@pytest.mark.django_db(transaction=True)
def test_serve_runs_web_and_worker_and_ctrl_c_stops_both(tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        serve = subprocess.Popen(
            guilde_command("serve", "--port", str(port), "--workers", "1", "--threads", "2"),
            env=child_environment(
                GUILDE_STATICFILES_STORAGE="django.contrib.staticfiles.storage.StaticFilesStorage"
            ),
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        try:
            ready = wait_until(
                lambda: _get_json(f"http://127.0.0.1:{port}/readyz")[0] == 200, timeout=45
            )
            assert ready, log.read_text()
            _status, body = _get_json(f"http://127.0.0.1:{port}/readyz")
            assert body["checks"]["worker"] is True
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as page:
                assert page.headers["Server"] == "granian"

            serve.send_signal(signal.SIGINT)  # what Ctrl-C sends
            assert serve.wait(timeout=30) == 0, log.read_text()
        finally:
            if serve.poll() is None:
                serve.kill()
    output = log.read_text()
    assert "Stopped." in output
    assert _get_json(f"http://127.0.0.1:{port}/healthz")[0] == 0  # nothing listens any more
    # Neither child survives its supervisor.
    pids = [
        int(line.rsplit("pid ", 1)[1].rstrip(")."))
        for line in output.splitlines()
        if "(pid " in line
    ]
    assert len(pids) == 2
    for pid in pids:
        assert subprocess.run(["kill", "-0", str(pid)], capture_output=True).returncode != 0


def test_the_console_command_wraps_django():
    result = subprocess.run(
        guilde_command("help"),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=child_environment(DATABASE_URL="sqlite:///:memory:"),
        check=True,
    )
    for name in ("serve", "worker", "demo", "migrate"):
        assert name in result.stdout


def test_commands_run_before_the_static_files_are_collected(tmp_path):
    """A fresh ``pip install .`` has no collected static files yet: ``guilde check`` and
    ``guilde migrate`` must still run (they load every URL; ``/favicon.ico`` once read the
    static manifest at import time and stopped them)."""
    (tmp_path / "fresh_settings.py").write_text(
        "from config.settings import *  # noqa: F403\n"
        f"STATIC_ROOT = {str(tmp_path / 'no-static-yet')!r}\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "fresh_settings",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
        "GUILDE_DATA_DIR": str(tmp_path / "data"),
    }
    env.pop("DATABASE_URL", None)
    for command in (["check"], ["migrate", "--noinput", "-v0"]):
        done = subprocess.run(
            guilde_command(*command), env=env, cwd=ROOT, capture_output=True, text=True,
            timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
