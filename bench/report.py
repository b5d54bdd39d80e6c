"""How every benchmark reports: an indented JSON document for people, then the same JSON
on its own last line for `make bench`, always naming the machine it ran on."""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from typing import Any


def machine() -> dict[str, Any]:
    return {
        "host": platform.node(),
        "arch": platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
    }


def emit(document: dict[str, Any]) -> None:
    complete = {
        **document,
        "machine": machine(),
        "ran_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    print(json.dumps(complete, indent=1))
    print(json.dumps(complete))
