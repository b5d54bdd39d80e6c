"""Atom feeds of public communities and their public threads.

Only what anyone may read appears: the community must be public and active or archived,
the thread listed (neither deleted nor hidden), the post visible. Everything else is a 404.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from guilde.communities.models import Community
from guilde.communities.selectors import community_get
from guilde.core.permissions import can
from guilde.discussions.models import Post, Thread

FEED_LENGTH = 30


def _public_community(slug: str) -> Community:
    """Feeds are read by anyone, signed in or not: only what anonymous visitors may read."""
    community = community_get(viewer=AnonymousUser(), slug=slug, action="view")
    if community.visibility != Community.Visibility.PUBLIC:
        raise Http404
    return community


class CommunityFeed(Feed[Thread, Community]):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, slug: str) -> Community:
        return _public_community(slug)

    def title(self, community: Community) -> str:
        return community.name

    def subtitle(self, community: Community) -> str:
        return community.domain

    def link(self, community: Community) -> str:
        return f"/communities/{community.slug}/threads/"

    def items(self, community: Community) -> list[Thread]:
        return list(
            Thread.objects.filter(community=community)
            .listed()
            .select_related("author", "community")
            .order_by("-created_at")[:FEED_LENGTH]
        )

    def item_title(self, thread: Thread) -> str:
        return thread.title

    def item_description(self, thread: Thread) -> str:
        opening = Post.objects.filter(thread=thread, position=1).visible().first()
        return opening.body_html if opening else ""

    def item_link(self, thread: Thread) -> str:
        return thread.get_absolute_url()

    def item_author_name(self, thread: Thread) -> str:
        return thread.author.name if thread.author else _("Deleted member")

    def item_pubdate(self, thread: Thread) -> datetime:
        return thread.created_at

    def item_updateddate(self, thread: Thread) -> datetime:
        return thread.last_activity_at


class ThreadFeed(Feed[Post, Thread]):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, slug: str, pk: int) -> Thread:
        community = _public_community(slug)
        thread = (
            Thread.objects.select_related("community").filter(community=community, pk=pk).first()
        )
        if thread is None or not can(AnonymousUser(), "view", thread):
            raise Http404
        return thread

    def title(self, thread: Thread) -> str:
        return thread.title

    def link(self, thread: Thread) -> str:
        return thread.get_absolute_url()

    def items(self, thread: Thread) -> list[Post]:
        return list(
            Post.objects.filter(thread=thread)
            .visible()
            .select_related("author")
            .order_by("-position")[:FEED_LENGTH]
        )

    def item_title(self, post: Post) -> str:
        author = post.author.name if post.author else _("Deleted member")
        return _("%(author)s in “%(thread)s”") % {"author": author, "thread": post.thread.title}

    def item_description(self, post: Post) -> str:
        return post.body_html

    def item_link(self, post: Post) -> str:
        return f"{post.thread.get_absolute_url()}#post-{post.position}"

    def item_pubdate(self, post: Post) -> datetime:
        return post.created_at

    def item_guid(self, post: Post) -> str:
        return f"{settings.GUILDE_SITE_URL}/posts/{post.pk}"

    item_guid_is_permalink = False

    def item_author_name(self, post: Post) -> str:
        return post.author.name if post.author else _("Deleted member")
