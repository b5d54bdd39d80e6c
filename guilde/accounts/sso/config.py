"""Settings-time helpers for single sign-on: they run while settings load, so no models."""

from __future__ import annotations

import importlib
import json
from typing import Any

from django.core.exceptions import ImproperlyConfigured

# What allauth's app entries may carry besides ``settings``.
_APP_FIELDS = ("provider_id", "name", "client_id", "secret", "key")


def oidc_apps(raw: str) -> list[dict[str, Any]]:
    """allauth's ``SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"]`` from a JSON list.

    Each entry: ``{"id": "acme", "name": "Acme", "server_url": "https://id.acme.example",
    "client_id": "...", "secret": "...", "settings": {...}}``; ``settings`` holds any of
    allauth's per-app OpenID Connect settings (``token_auth_method``, ``uid_field``...).
    """
    if not raw.strip():
        return []
    try:
        entries = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ImproperlyConfigured(f"GUILDE_OIDC_PROVIDERS is not valid JSON: {error}") from error
    if not isinstance(entries, list):
        raise ImproperlyConfigured("GUILDE_OIDC_PROVIDERS must be a JSON list of providers.")
    apps = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise ImproperlyConfigured(f"GUILDE_OIDC_PROVIDERS entry {number} is not an object.")
        missing = [key for key in ("id", "server_url", "client_id") if not entry.get(key)]
        if missing:
            raise ImproperlyConfigured(
                f"GUILDE_OIDC_PROVIDERS entry {number} lacks {', '.join(missing)}."
            )
        extra = entry.get("settings", {})
        if not isinstance(extra, dict):
            raise ImproperlyConfigured(f"GUILDE_OIDC_PROVIDERS entry {number}: bad settings.")
        app: dict[str, Any] = {
            "provider_id": entry["id"],
            "name": entry.get("name") or entry["id"],
            "client_id": entry["client_id"],
            "secret": entry.get("secret", ""),
            "settings": {**extra, "server_url": entry["server_url"]},
        }
        apps.append({key: app[key] for key in (*_APP_FIELDS, "settings") if key in app})
    return apps


def saml_available() -> bool:
    """Whether the ``saml`` extra is installed and its native parts load together.

    xmlsec refuses to load next to an lxml built on another libxml2 (it raises its own
    error, not an ImportError): then SAML stays off rather than breaking start-up.
    """
    try:
        for module in ("onelogin.saml2.auth", "xmlsec"):
            importlib.import_module(module)
    except Exception:  # any failure to load means: no SAML here
        return False
    return True
