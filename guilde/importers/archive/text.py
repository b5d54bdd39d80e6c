"""Thread references and mentions inside texts, rewritten as objects change ids and names.

A text says ``#123`` for a thread and ``@name`` for a member (see guilde.core.markdown).
In an archive, ``#N`` means the archive's thread N; a reference to a thread outside the
community becomes the literal text ``\\#123`` (it would mean nothing on another instance).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from guilde.core.markdown import THREAD_REFERENCE, mention_pattern


def rewrite_thread_refs(text: str, mapping: Callable[[int], int | None]) -> str:
    """``text`` with each ``#N`` replaced by ``#mapping(N)``, or made literal if ``None``."""
    if "#" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        found = mapping(int(match.group(1)))
        return f"#{found}" if found is not None else f"\\#{match.group(1)}"

    return THREAD_REFERENCE.sub(replace, text)


def rewrite_mentions(text: str, renamed: Mapping[str, str]) -> str:
    """``text`` with ``@old`` mentions of renamed members (lower-case keys) as ``@new``."""
    if not renamed or "@" not in text:
        return text
    pattern = mention_pattern(renamed)
    return pattern.sub(lambda match: "@" + renamed[match.group(1).lower()], text)
