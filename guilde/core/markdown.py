"""Markdown for everything members write: markdown-it-py, then nh3 — never one without the other.

What members get: CommonMark, tables, strikethrough, autolinks, fenced code highlighted on
the server (Pygments, by class: the stylesheet colours it, no inline style), images from
the platform's own uploads, ``@username`` mentions and ``#123`` thread references.

What nobody gets: raw HTML (markdown-it escapes it, nh3 removes whatever could remain),
scripts, event handlers, ``style`` attributes, ``javascript:`` or ``data:`` URLs, images
from other sites (they would track readers), headings that compete with the page's own.
Links get ``rel="nofollow ugc noopener"``.

Mentions and references are recognised while parsing; :func:`render` asks a resolver
which usernames exist (one query for the whole text) and links only those. A thread
reference links to ``/t/<id>/``, which redirects to the thread for those who may read it:
the rendered HTML names no title, so it leaks nothing whoever reads it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

UPLOAD_PREFIX = "/uploads/"
MEMBER_PREFIX = "/members/"
THREAD_PREFIX = "/t/"
MAX_SOURCE_LENGTH = 100_000

_MENTION = re.compile(r"@([A-Za-z0-9][A-Za-z0-9_.-]{1,29})")
_THREAD_REF = re.compile(r"#(\d{1,10})\b")
_ALIGN = re.compile(r"text-align:\s*(left|center|right)")

TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
    "span", "sup", "sub",
}  # fmt: skip
# Classes are allowed per tag in _allowed_classes (ammonia wants them there only).
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
}
ALIGN_CLASSES = {"align-left", "align-center", "align-right"}


@cache
def _highlight_classes() -> set[str]:
    return {name for name in STANDARD_TYPES.values() if name}


def _allowed_classes() -> dict[str, set[str]]:
    return {
        "a": {"mention", "thread-ref"},
        "span": _highlight_classes(),
        "th": ALIGN_CLASSES,
        "td": ALIGN_CLASSES,
        "pre": {"highlight"},
    }


UsernameResolver = Callable[[set[str]], Iterable[str]]


@dataclass
class Rendered:
    html: str
    mentions: list[str] = field(default_factory=list)
    thread_refs: list[int] = field(default_factory=list)
    uploads: list[str] = field(default_factory=list)


def _mention_rule(state: StateInline, silent: bool) -> bool:
    position = state.pos
    if state.src[position] != "@":
        return False
    if position > 0 and (state.src[position - 1].isalnum() or state.src[position - 1] in "_.-@/"):
        return False  # part of an e-mail address or a word
    match = _MENTION.match(state.src, position)
    if match is None:
        return False
    username = match.group(1).rstrip(".-")
    if not silent:
        token = state.push("mention", "", 0)
        token.meta = {"username": username}
        token.content = "@" + username
    state.pos = position + 1 + len(username)
    return True


def _thread_ref_rule(state: StateInline, silent: bool) -> bool:
    position = state.pos
    if state.src[position] != "#":
        return False
    if (
        position > 0
        and not state.src[position - 1].isspace()
        and state.src[position - 1] not in "(["
    ):
        return False
    match = _THREAD_REF.match(state.src, position)
    if match is None:
        return False
    if not silent:
        token = state.push("thread_ref", "", 0)
        token.meta = {"id": int(match.group(1))}
        token.content = match.group(0)
    state.pos = match.end()
    return True


def _highlight(code: str, language: str, attributes: Any) -> str:
    try:
        lexer = get_lexer_by_name(language) if language else None
    except ClassNotFound:
        lexer = None
    if lexer is None:
        return ""  # markdown-it escapes the code itself
    return str(highlight(code, lexer, HtmlFormatter(nowrap=True)))


@cache
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
    md.enable(["table", "strikethrough", "linkify"])
    md.options["highlight"] = _highlight
    md.inline.ruler.before("emphasis", "mention", _mention_rule)
    md.inline.ruler.before("emphasis", "thread_ref", _thread_ref_rule)
    md.add_render_rule("mention", _render_mention)
    md.add_render_rule("thread_ref", _render_thread_ref)
    return md


def _render_mention(
    self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    username = tokens[idx].meta["username"]
    text = nh3.clean_text("@" + username)
    if username.lower() in env.get("known_usernames", set()):
        return f'<a class="mention" href="{MEMBER_PREFIX}{username}/">{text}</a>'
    return text


def _render_thread_ref(
    self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    number = tokens[idx].meta["id"]
    return f'<a class="thread-ref" href="{THREAD_PREFIX}{number}/">#{number}</a>'


def _walk(tokens: list[Token]) -> Iterable[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


def _adjust(tokens: list[Token]) -> None:
    """Headings start at h2 (the page owns h1); table alignment becomes a class."""
    for token in _walk(tokens):
        if token.type in ("heading_open", "heading_close"):
            level = min(int(token.tag[1]) + 1, 6)
            token.tag = f"h{level}"
        if token.type in ("th_open", "td_open") and (style := token.attrGet("style")):
            match = _ALIGN.search(str(style))
            token.attrs.pop("style", None)
            if match:
                token.attrSet("class", f"align-{match.group(1)}")
        if token.type == "fence" and token.info:
            # The language is the info string's first word; "``` " has none.
            token.info = next(iter(token.info.split()), "")


def _attribute_filter(element: str, attribute: str, value: str) -> str | None:
    if element == "img" and attribute == "src":
        return value if value.startswith(UPLOAD_PREFIX) else None
    if (
        element == "a"
        and attribute == "href"
        and value.lower().startswith(("javascript:", "data:", "vbscript:"))
    ):
        return None
    return value


def sanitise(markup: str) -> str:
    """The last word on what reaches a page, whatever produced ``markup``."""
    return nh3.clean(
        markup,
        tags=TAGS,
        attributes=ATTRIBUTES,
        allowed_classes=_allowed_classes(),
        attribute_filter=_attribute_filter,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
        strip_comments=True,
    )


def render(source: str, *, resolve_usernames: UsernameResolver | None = None) -> Rendered:
    """Markdown ``source`` to safe HTML, with what it mentions and references."""
    md = _parser()
    env: dict[str, Any] = {}
    tokens = md.parse(source[:MAX_SOURCE_LENGTH], env)
    _adjust(tokens)
    mentioned = {t.meta["username"] for t in _walk(tokens) if t.type == "mention"}
    known: set[str] = set()
    if mentioned and resolve_usernames is not None:
        known = {name.lower() for name in resolve_usernames(mentioned)}
    env["known_usernames"] = known
    rendered = md.renderer.render(tokens, md.options, env)
    rendered = rendered.replace("<pre><code", '<pre class="highlight"><code')
    clean = sanitise(rendered)
    uploads = re.findall(r'src="' + re.escape(UPLOAD_PREFIX) + r"([0-9a-f-]{36})/", clean)
    uploads += re.findall(r'href="' + re.escape(UPLOAD_PREFIX) + r"([0-9a-f-]{36})/", clean)
    return Rendered(
        html=clean,
        mentions=sorted(name for name in mentioned if name.lower() in known),
        thread_refs=sorted({t.meta["id"] for t in _walk(tokens) if t.type == "thread_ref"}),
        uploads=sorted(set(uploads)),
    )


def plain_text(source: str, limit: int = 300) -> str:
    """A short plain-text excerpt of Markdown (for feeds, cards and mails)."""
    text = html.unescape(nh3.clean(render(source).html, tags=set()))
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


DELETED_MEMBER = "(deleted member)"


def mention_pattern(usernames: Iterable[str]) -> re.Pattern[str]:
    """Mentions of any of ``usernames`` in Markdown source, as the parser recognises them
    (not inside an e-mail address or a word); group 1 is the username as written."""
    names = "|".join(re.escape(name) for name in sorted(usernames, key=len, reverse=True))
    return re.compile(
        r"(?<![A-Za-z0-9_.\-@/])@(" + names + r")(?![A-Za-z0-9_]|[.\-][A-Za-z0-9_])",
        re.IGNORECASE,
    )


# Thread references in Markdown source where the parser recognises them: at the start, after
# a space, "(" or "[" (see _thread_ref_rule); group 1 is the thread's id.
THREAD_REFERENCE = re.compile(r"(?<![^\s(\[])#(\d{1,10})\b")


def forget_mentions(text: str, username: str) -> str:
    """``text`` with every ``@username`` mention replaced by a neutral placeholder (used
    when the member's account is deleted: their name leaves others' texts too)."""
    return mention_pattern([username]).sub(DELETED_MEMBER, text)
