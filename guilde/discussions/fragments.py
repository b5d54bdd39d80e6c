"""Posts rendered once for visitors, then reused.

A visitor (not signed in) sees the same post as every other visitor: no form, no vote of
theirs, no unread mark. Their rendering of a post is kept in the ``fragments`` cache
(per process, in memory) under a key made of everything the fragment shows — the post's
text and state, its author's name and picture, its score, reactions, comments, whether it
is the accepted answer, the language. Any change makes a new key, so a fragment is never
stale; old ones age out of the cache. Signed-in members always get a fresh rendering.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.cache import caches
from django.template.loader import render_to_string
from django.utils.translation import get_language

from guilde.communities.models import Community
from guilde.discussions.models import Thread
from guilde.discussions.selectors import PostView

# Bump when _post.html (or what it includes) changes what it shows.
TEMPLATE_VERSION = "1"
TIMEOUT = 24 * 3600


def _key(view: PostView, thread: Thread, community: Community, language: str) -> str:
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
    )
    digest = hashlib.sha1(repr(shown).encode(), usedforsecurity=False).hexdigest()
    return f"post:{post.pk}:{digest}"


def attach(views: list[PostView], *, thread: Thread, community: Community) -> None:
    """Give each view its visitor's rendering, from the cache or rendered now."""
    cache = caches["fragments"]
    language = get_language() or ""
    keyed = {_key(view, thread, community, language): view for view in views}
    found: dict[str, Any] = cache.get_many(list(keyed))
    fresh: dict[str, str] = {}
    for key, view in keyed.items():
        html = found.get(key)
        if html is None:
            html = render_to_string(
                "discussions/_post.html",
                {
                    "view": view,
                    "community": community,
                    "thread": thread,
                    "reply_form": None,
                    "can_accept": False,
                },
            )
            fresh[key] = html
        view.fragment = html
    if fresh:
        cache.set_many(fresh, timeout=TIMEOUT)
