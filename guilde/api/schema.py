"""The OpenAPI schema as checked in at docs/api/openapi.json."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings

SCHEMA_FILE = Path(settings.BASE_DIR) / "docs" / "api" / "openapi.json"


def schema_text() -> str:
    from guilde.api.api import api

    schema = api.get_openapi_schema()
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
