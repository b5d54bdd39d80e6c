"""Highlighted snippets cut from the original text (never from the analysed terms)."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from guilde.search import analysis

SNIPPET_LENGTH = 240
SCAN_LIMIT = 30_000  # characters looked at for matches in a long body


def _matches(
    text: str, language: str, wanted: frozenset[str], seen: dict[str, bool] | None = None
) -> list[tuple[int, int, str]]:
    """Where ``text``'s words matching ``wanted`` are. ``seen``: the words already judged
    (texts, and the results of one page, repeat their words: each is analysed once)."""
    found = []
    verdicts = {} if seen is None else seen
    for match in analysis.WORD.finditer(text):
        word = match.group()
        if len(word) > analysis.MAX_WORD_LENGTH:
            continue
        verdict = verdicts.get(word)
        if verdict is None:
            verdict = verdicts[word] = analysis.word_matches(word, language, wanted)
        if verdict:
            found.append((match.start(), match.end(), word.lower()))
    return found


def _marked(text: str, start: int, end: int, matches: list[tuple[int, int, str]]) -> str:
    out: list[str] = []
    position = start
    for m_start, m_end, _word in matches:
        if m_start < start or m_end > end:
            continue
        out.append(escape(text[position:m_start]))
        out.append(f"<mark>{escape(text[m_start:m_end])}</mark>")
        position = m_end
    out.append(escape(text[position:end]))
    return "".join(out)


def highlight(
    text: str, language: str, wanted: frozenset[str], seen: dict[str, bool] | None = None
) -> SafeString:
    """All of ``text`` (a title), its matching words marked."""
    matches = _matches(text, language, wanted, seen) if wanted else []
    # safe: _marked escapes every slice of the text; only its own <mark> tags are markup.
    return mark_safe(_marked(text, 0, len(text), matches))  # noqa: S308 - escaped above


def snippet(
    text: str,
    language: str,
    wanted: frozenset[str],
    length: int = SNIPPET_LENGTH,
    *,
    seen: dict[str, bool] | None = None,
) -> SafeString:
    """About ``length`` characters of ``text`` around the densest cluster of matching words,
    matches marked, cut at word boundaries, "…" where text was left out."""
    if not text:
        return mark_safe("")  # safe: the empty string
    scanned = text[:SCAN_LIMIT]
    matches = _matches(scanned, language, wanted, seen) if wanted else []
    start = 0
    if matches:
        best, best_count = 0, -1
        for i, (m_start, _e, _w) in enumerate(matches):
            window = {w for s, _end, w in matches[i:] if s < m_start + length}
            if len(window) > best_count:
                best, best_count = i, len(window)
        start = max(0, matches[best][0] - length // 5)
        if start:
            space = text.rfind(" ", 0, start)
            start = space + 1 if space != -1 and start - space < 30 else start
    end = min(len(text), start + length)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + length // 2 else end
    body = _marked(text, start, end, matches)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    # safe: body is escaped in _marked (its <mark> tags aside); prefix and suffix are "…".
    return mark_safe(f"{prefix}{body}{suffix}")  # noqa: S308 - escaped in _marked
