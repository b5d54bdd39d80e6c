"""Request ids and structured logs (issue 19)."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import re

import pytest
from django.test import Client

from guilde.accounts.tests.factories import MemberFactory
from guilde.core.logs import logging_config

pytestmark = pytest.mark.django_db


def test_every_response_has_a_request_id_and_one_access_line(caplog):
    client = Client()
    with caplog.at_level(logging.INFO, logger="guilde.access"):
        first = client.get("/communities/?q=secret+words")
        second = client.get("/healthz")
    ids = [first["X-Request-ID"], second["X-Request-ID"]]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    assert ids[0] != ids[1]
    lines = [r for r in caplog.records if r.name == "guilde.access"]
    assert [(r.path, r.status, r.request_id) for r in lines] == [
        ("/communities/", 200, ids[0]),
        ("/healthz", 200, ids[1]),
    ]
    assert all("secret" not in r.getMessage() for r in lines)  # no query string


def test_a_proxys_request_id_is_kept_and_a_forged_one_replaced(caplog):
    client = Client()
    member = MemberFactory.create()
    client.force_login(member)
    with caplog.at_level(logging.INFO, logger="guilde.access"):
        kept = client.get("/healthz", headers={"X-Request-ID": "edge-7f3a9c21-42"})
        forged = client.get("/healthz", headers={"X-Request-ID": "x\n2026 ERROR fake line"})
    assert kept["X-Request-ID"] == "edge-7f3a9c21-42"
    assert re.fullmatch(r"[0-9a-f]{32}", forged["X-Request-ID"])
    assert caplog.records[0].member == member.pk


def test_records_written_during_a_request_carry_its_id(caplog, settings):
    settings.ROOT_URLCONF = "guilde.core.tests.urls"
    with caplog.at_level(logging.INFO):
        response = Client().get("/test/log-something/")
    request_id = response["X-Request-ID"]
    inside = [r for r in caplog.records if r.name == "guilde.tests"]
    assert [r.request_id for r in inside] == [request_id]


def _emit(log_format: str) -> str:
    """One warning and one access line, through the logging configuration of the settings."""
    config = logging_config(log_format=log_format, level="INFO")
    stream = io.StringIO()
    config["handlers"]["console"]["stream"] = stream  # type: ignore[index]
    config["loggers"] = {"probe": {"level": "INFO"}}
    config["root"] = {"handlers": [], "level": "INFO"}
    config["loggers"]["probe"]["handlers"] = ["console"]  # type: ignore[index]
    logging.config.dictConfig(config)
    try:
        from guilde.core.logs import bind_request_id, unbind_request_id

        logging.getLogger("probe").warning("outside a request")
        token = bind_request_id("req-12345678")
        logging.getLogger("probe").info(
            "GET /x 200 1.5 ms", extra={"status": 200, "duration_ms": 1.5, "path": "/x"}
        )
        unbind_request_id(token)
    finally:
        from django.conf import settings
        from django.utils.log import configure_logging

        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    return stream.getvalue()


def test_json_logs_are_one_object_per_line_with_the_request_id():
    first, second = (json.loads(line) for line in _emit("json").splitlines())
    assert first["level"] == "WARNING"
    assert first["logger"] == "probe"
    assert first["message"] == "outside a request"
    assert first["request_id"] == ""
    assert second["request_id"] == "req-12345678"
    assert (second["status"], second["duration_ms"], second["path"]) == (200, 1.5, "/x")
    assert {"time", "level", "logger", "message"} <= set(second)


def test_text_logs_show_the_request_id_when_there_is_one():
    first, second = _emit("text").splitlines()
    assert first.endswith("WARNING probe: outside a request")
    assert second.endswith("INFO probe [req-12345678]: GET /x 200 1.5 ms")


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ValueError, match="'text' or 'json'"):
        logging_config(log_format="xml", level="INFO")
