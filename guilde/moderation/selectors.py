"""Reads for moderators: the queue (flags, posts held for review, appeals) and the log."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet

from guilde.accounts.models import User
from guilde.communities.models import Community, ModerationLogEntry
from guilde.communities.selectors import with_viewer_membership
from guilde.core.permissions import can
from guilde.discussions.models import HiddenReason, Post
from guilde.moderation.models import Appeal, Flag


def queue_posts(*, community: Community | None) -> QuerySet[Post]:
    """Posts waiting for a moderator: open flags, or held for review (oldest first).
    ``community`` None: every community (the administrators' queue)."""
    posts = Post.objects.filter(
        Q(flags__status=Flag.Status.OPEN) | Q(hidden_reason=HiddenReason.REVIEW)
    )
    if community is not None:
        posts = posts.filter(thread__community=community)
    return (
        posts.distinct()
        .select_related("thread__community", "author")
        .prefetch_related(
            Prefetch(
                "flags",
                queryset=Flag.objects.filter(status=Flag.Status.OPEN)
                .select_related("flagger")
                .order_by("pk"),
                to_attr="open_flags",
            )
        )
        .order_by("created_at", "pk")
    )


@dataclass
class QueueItem:
    post: Post
    flags: list[Flag] = field(default_factory=list)
    # (reason label, how many) for the open flags.
    reasons: list[tuple[str, int]] = field(default_factory=list)

    @property
    def held(self) -> bool:
        return self.post.hidden_reason == HiddenReason.REVIEW

    @property
    def hidden_by_flags(self) -> bool:
        return self.post.hidden_reason == HiddenReason.FLAGS


def queue_items(posts: list[Post]) -> list[QueueItem]:
    labels = dict(Flag.Reason.choices)
    items = []
    for post in posts:
        flags: list[Flag] = getattr(post, "open_flags", [])
        counts = Counter(flag.reason for flag in flags)
        items.append(
            QueueItem(
                post=post,
                flags=flags,
                reasons=[(str(labels[r]), n) for r, n in counts.most_common()],
            )
        )
    return items


def open_appeals(*, viewer: User, community: Community | None) -> list[Appeal]:
    """Appeals the viewer may decide (never those against their own decisions)."""
    appeals = Appeal.objects.filter(status=Appeal.Status.OPEN).select_related(
        "decision__actor", "decision__community", "member", "community"
    )
    appeals = appeals.filter(community=community) if community is not None else appeals
    found = list(appeals.order_by("created_at"))
    with_viewer_membership([a.community for a in found if a.community], viewer)
    return [appeal for appeal in found if can(viewer, "decide", appeal)]


def queue_count(*, community: Community) -> int:
    return (
        queue_posts(community=community).count()
        + Appeal.objects.filter(community=community, status=Appeal.Status.OPEN).count()
    )


def log_entries(*, community: Community | None) -> QuerySet[ModerationLogEntry]:
    entries = ModerationLogEntry.objects.select_related("actor", "member", "community")
    if community is not None:
        entries = entries.filter(community=community)
    return entries.order_by("-created_at", "-pk")
