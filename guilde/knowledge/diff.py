"""Differences between two revisions: line by line, word by word within changed lines.

Lines are matched with :class:`difflib.SequenceMatcher`; a replaced block pairs its lines
in order and compares each pair word by word (words are Unicode ``\\w+`` runs, so accented
letters stay inside their word; spaces and punctuation are tokens of their own).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Literal

from django.utils.html import escape

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)

Kind = Literal["same", "added", "removed", "changed"]


@dataclass(frozen=True)
class Segment:
    """A run of one line's text: unchanged, or deleted / inserted."""

    text: str
    change: Literal["", "del", "ins"] = ""


@dataclass
class Line:
    kind: Kind
    old: list[Segment] = field(default_factory=list)
    new: list[Segment] = field(default_factory=list)
    old_number: int | None = None
    new_number: int | None = None

    @property
    def old_html(self) -> str:
        return _html(self.old, "del")

    @property
    def new_html(self) -> str:
        return _html(self.new, "ins")


def _html(segments: list[Segment], tag: str) -> str:
    out = []
    for segment in segments:
        text = escape(segment.text)
        out.append(f"<{tag}>{text}</{tag}>" if segment.change else text)
    return "".join(out)


def _words(old: str, new: str) -> tuple[list[Segment], list[Segment]]:
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    before: list[Segment] = []
    after: list[Segment] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            text = "".join(a[i1:i2])
            before.append(Segment(text))
            after.append(Segment(text))
            continue
        if i2 > i1:
            before.append(Segment("".join(a[i1:i2]), "del"))
        if j2 > j1:
            after.append(Segment("".join(b[j1:j2]), "ins"))
    return before, after


def diff(old: str, new: str) -> list[Line]:
    """The lines of ``new`` compared with ``old``."""
    a, b = old.splitlines(), new.splitlines()
    lines: list[Line] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            for offset in range(i2 - i1):
                text = a[i1 + offset]
                lines.append(
                    Line("same", [Segment(text)], [Segment(text)], i1 + offset + 1, j1 + offset + 1)
                )
        elif tag == "delete":
            lines.extend(
                Line("removed", [Segment(a[i], "del")], [], i + 1, None) for i in range(i1, i2)
            )
        elif tag == "insert":
            lines.extend(
                Line("added", [], [Segment(b[j], "ins")], None, j + 1) for j in range(j1, j2)
            )
        else:
            count = max(i2 - i1, j2 - j1)
            for offset in range(count):
                i, j = i1 + offset, j1 + offset
                if i < i2 and j < j2:
                    before, after = _words(a[i], b[j])
                    lines.append(Line("changed", before, after, i + 1, j + 1))
                elif i < i2:
                    lines.append(Line("removed", [Segment(a[i], "del")], [], i + 1, None))
                else:
                    lines.append(Line("added", [], [Segment(b[j], "ins")], None, j + 1))
    return lines


def changed(lines: list[Line]) -> bool:
    return any(line.kind != "same" for line in lines)
