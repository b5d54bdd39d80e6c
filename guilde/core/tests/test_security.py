from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from guilde.core.testing import ROOT


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (
            directive.split() for directive in header.split(";") if directive.strip()
        )
    }


@pytest.mark.django_db
def test_pages_carry_a_strict_csp_with_a_fresh_nonce(client):
    first, second = client.get("/"), client.get("/")
    policy = _policy(first)
    nonce = re.search(r"'nonce-([^']+)'", first.headers["Content-Security-Policy"])
    assert nonce is not None
    assert policy["script-src"] == ["'self'", f"'nonce-{nonce.group(1)}'"]
    assert policy["style-src"] == ["'self'", f"'nonce-{nonce.group(1)}'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in first.headers["Content-Security-Policy"]
    assert first.headers["Content-Security-Policy"] != second.headers["Content-Security-Policy"]


@pytest.mark.django_db
def test_no_script_or_style_runs_without_the_nonce(client):
    response = client.get("/")
    match = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
    assert match is not None
    nonce = match.group(1)
    parser = _Tags()
    parser.feed(response.content.decode())
    scripts = [attrs for tag, attrs in parser.tags if tag == "script"]
    assert scripts, "the page loads htmx"
    for attrs in scripts:
        assert attrs.get("src") or attrs.get("nonce") == nonce, attrs
    assert all(attrs.get("nonce") == nonce for tag, attrs in parser.tags if tag == "style")
    assert not [tag for tag, attrs in parser.tags if "style" in attrs], "inline style attribute"
    assert not [tag for tag, attrs in parser.tags if any(name.startswith("on") for name in attrs)]


@pytest.mark.django_db
def test_security_headers(client):
    response = client.get("/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def _settings_with(**env: str) -> dict[str, object]:
    code = (
        "import json, config.settings as s; print(json.dumps({k: getattr(s, k) for k in ("
        "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', "
        "'SECURE_SSL_REDIRECT', 'DEBUG', 'SECURE_HSTS_INCLUDE_SUBDOMAINS')}))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code],
        env={"PATH": "/usr/bin:/bin", "GUILDE_DATA_DIR": str(ROOT / "var" / "test"), **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    values: dict[str, object] = json.loads(output.stdout)
    return values


def test_production_behind_tls_gets_secure_cookies_and_hsts():
    secure = _settings_with(GUILDE_HTTPS="1", SECRET_KEY="x" * 50)
    assert secure == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_SSL_REDIRECT": True,
        "DEBUG": False,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    }
    local = _settings_with(SECRET_KEY="x" * 50)
    assert local["SESSION_COOKIE_SECURE"] is False
    assert local["SECURE_HSTS_SECONDS"] == 0
    assert local["DEBUG"] is False
