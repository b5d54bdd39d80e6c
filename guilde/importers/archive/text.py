"""Thread references and mentions inside texts, rewritten as objects change ids and names.

A text says ``#123`` for a thread and ``@name`` for a member (see guilde.core.markdown).
In an archive, ``#N`` means the archive's thread N; a reference to a thread outside the
community becomes the literal text ``\\#123`` (it would mean nothing on another instance).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

# Where guilde.core.markdown recognises a reference: at the start, after a space or "(["…
_THREAD_REF = re.compile(r"(?<![^\s(\[])#(\d{1,10})\b")


def rewrite_thread_refs(text: str, mapping: Callable[[int], int | None]) -> str:
    """``text`` with each ``#N`` replaced by ``#mapping(N)``, or made literal if ``None``."""
    if "#" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        found = mapping(int(match.group(1)))
        return f"#{found}" if found is not None else f"\\#{match.group(1)}"

    return _THREAD_REF.sub(replace, text)


def rewrite_mentions(text: str, renamed: Mapping[str, str]) -> str:
    """``text`` with ``@old`` mentions of renamed members (lower-case keys) as ``@new``."""
    if not renamed or "@" not in text:
        return text
    pattern = re.compile(
        r"(?<![A-Za-z0-9_.\-@/])@("
        + "|".join(re.escape(name) for name in sorted(renamed, key=len, reverse=True))
        + r")(?![A-Za-z0-9_]|[.\-][A-Za-z0-9_])",
        re.IGNORECASE,
    )
    return pattern.sub(lambda match: "@" + renamed[match.group(1).lower()], text)
