"""Posts and rows of thread lists rendered once, then reused.

A post's rendering depends on the post — its text and state, its author's name and picture,
its score, reactions, comments, whether it is the accepted answer — on the language, and,
for a member, on what they may do with it and have done (their vote, their reactions, what
they have read). All of that makes the key of its rendering in the ``fragments`` cache (per
process, in memory), never who the viewer is: members who may do the same things share
renderings, visitors share theirs. Any change makes a new key, so a rendering is never
stale; old ones age out of the cache. The CSRF token of the forms in a member's rendering
is cut out before it is kept and put back, the viewer's own, when it is used.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from django.core.cache import caches
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince
from django.utils.translation import get_language

from guilde.communities.models import Community
from guilde.core import csrf
from guilde.discussions.models import Thread
from guilde.discussions.selectors import PostView, ThreadRow

# Bump when _post.html (or what it includes) changes what it shows.
TEMPLATE_VERSION = "2"
_TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=")([^"]+)(")')
_MARK = "@@csrf-token@@"


def without_token(html: str) -> str:
    """``html`` with its forms' CSRF tokens replaced by a mark (to be kept for anyone)."""
    return _TOKEN.sub(lambda m: m.group(1) + _MARK + m.group(3), html)


def with_token(html: str, token: str) -> str:
    """A kept rendering with the viewer's own CSRF token in its forms."""
    return html.replace(_MARK, token)


TIMEOUT = 24 * 3600


def _key(
    view: PostView, thread: Thread, community: Community, language: str, page: tuple[bool, bool]
) -> str:
    post = view.post
    author = view.author
    shown = (
        TEMPLATE_VERSION,
        language,
        community.slug,
        community.language,
        thread.kind,
        post.position,
        post.body_html if view.html is not None else None,
        view.tombstone,
        post.edited_at,
        post.created_at,
        post.score,
        post.source_url,
        post.source_license,
        view.is_accepted,
        view.quoted_author,
        (author.name, author.avatar_url, author.avatar_colour, author.initials, author.username)
        if author
        else None,
        tuple(view.shown_reactions),
        tuple((c.pk, c.score, c.author.name if c.author else "") for c in view.comments),
        # What this viewer may do and has done (all false for visitors), and the page's
        # reply form and answer acceptance.
        (
            view.can_edit,
            view.can_delete,
            view.can_hide,
            view.can_purge,
            view.can_react,
            view.can_vote,
            view.can_flag,
            view.my_vote,
            view.is_unread,
            view.by_blocked,
            tuple(reaction[3] for reaction in view.reactions),
        ),
        page,
    )
    digest = hashlib.sha1(repr(shown).encode(), usedforsecurity=False).hexdigest()
    return f"post:{post.pk}:{digest}"


def attach(
    views: list[PostView],
    *,
    thread: Thread,
    community: Community,
    request: HttpRequest | None = None,
    reply_form: Any = None,
    can_accept: bool = False,
) -> None:
    """Give each view its rendering, from the cache or rendered now. ``request`` (a signed-in
    member's) lets forms carry the member's CSRF token; visitors' renderings have no form."""
    cache = caches["fragments"]
    language = get_language() or ""
    page = (bool(reply_form), can_accept)
    keyed = {_key(view, thread, community, language, page): view for view in views}
    found: dict[str, Any] = cache.get_many(list(keyed))
    token = csrf.token(request) if request is not None else ""
    fresh: dict[str, str] = {}
    for key, view in keyed.items():
        html = found.get(key)
        if html is None:
            rendered = render_to_string(
                "discussions/_post.html",
                {
                    "view": view,
                    "community": community,
                    "thread": thread,
                    "reply_form": reply_form,
                    "can_accept": can_accept,
                },
                request=request,
            )
            html = without_token(rendered)
            fresh[key] = html
        # Kept as text; the CSRF token put back is Django's own (letters and digits).
        # safe: our own template's output (autoescaped; bodies sanitised by nh3 when saved).
        view.fragment = mark_safe(with_token(html, token) if token else html)  # noqa: S308
    if fresh:
        cache.set_many(fresh, timeout=TIMEOUT)


# Bump when _thread_row.html changes what it shows.
ROW_TEMPLATE_VERSION = "2"


def _row_key(row: ThreadRow, community: Community, language: str) -> str:
    thread = row.thread
    shown = (
        ROW_TEMPLATE_VERSION,
        language,
        community.slug,
        thread.pk,
        thread.title,
        thread.kind,
        thread.pinned,
        thread.locked,
        thread.idea_status,
        thread.accepted_post_id,
        thread.score,
        thread.reply_count,
        row.author_name,
        row.unread,
        row.is_new,
        tuple(row.tags),
        # What the row says of the last activity ("active 3 hours ago"), as it says it now.
        timesince(thread.last_activity_at),
    )
    digest = hashlib.sha1(repr(shown).encode(), usedforsecurity=False).hexdigest()
    return f"row:{thread.pk}:{digest}"


def attach_rows(rows: list[ThreadRow], *, community: Community) -> None:
    """Give each row of a thread list its rendering, from the cache or rendered now. A row
    shows nothing only one viewer may see but its unread count, which is in the key."""
    cache = caches["fragments"]
    language = get_language() or ""
    keyed = {_row_key(row, community, language): row for row in rows}
    found: dict[str, Any] = cache.get_many(list(keyed))
    fresh: dict[str, str] = {}
    for key, row in keyed.items():
        html = found.get(key)
        if html is None:
            html = render_to_string(
                "discussions/_thread_row.html", {"row": row, "community": community}
            )
            fresh[key] = html
        # safe: our own template's output (autoescaped), kept as text.
        row.fragment = mark_safe(html)  # noqa: S308  (our own template's output)
    if fresh:
        cache.set_many(fresh, timeout=TIMEOUT)
