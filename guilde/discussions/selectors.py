"""Reads of threads and posts through the viewer's eyes, at a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone

from guilde.accounts.models import Block, User
from guilde.accounts.selectors import MemberCard, member_cards
from guilde.communities.models import Community, Membership, Tag
from guilde.communities.permissions import membership_of
from guilde.communities.selectors import with_viewer_membership
from guilde.core.permissions import can, require
from guilde.discussions.models import Comment, Post, Reaction, ReadState, Thread, ThreadLink, Vote
from guilde.discussions.services import threads_of_member_q

POSTS_PER_PAGE = 50
THREADS_PER_PAGE = 30
FILTERS = ("latest", "unanswered", "unsolved", "solved", "top", "mine")


def _read_position(viewer: Any) -> Subquery:
    return Subquery(
        ReadState.objects.filter(member_id=viewer.pk, thread=OuterRef("pk")).values(
            "last_read_position"
        )[:1]
    )


def thread_queryset(
    *,
    viewer: Any,
    community: Community,
    filter_: str = "latest",
    tag: str = "",
    kind: str = "",
    category: str = "",
) -> QuerySet[Thread]:
    """The threads of ``community`` that ``viewer`` sees in its lists (the viewer may view it)."""
    require(viewer, "view", community)
    threads = Thread.objects.filter(community=community).listed()
    if kind:
        threads = threads.filter(kind=kind)
    if tag:
        threads = threads.filter(tags__slug=tag)
    if category:
        threads = threads.filter(category__slug=category)
    if filter_ == "unanswered":
        threads = threads.filter(reply_count=0)
    elif filter_ == "unsolved":
        threads = threads.filter(kind=Thread.Kind.QUESTION, accepted_post__isnull=True)
    elif filter_ == "solved":
        threads = threads.filter(kind=Thread.Kind.QUESTION, accepted_post__isnull=False)
    elif filter_ == "mine":
        if not viewer.is_authenticated:
            return threads.none()
        threads = threads.filter(threads_of_member_q(viewer)).distinct()
    if viewer.is_authenticated:
        threads = threads.annotate(read_position=_read_position(viewer))
    else:
        threads = threads.annotate(read_position=Value(None, output_field=IntegerField()))
    ordering = (
        ("-score", "-reply_count", "-last_activity_at")
        if filter_ == "top"
        else ("-last_activity_at",)
    )
    return (
        threads.select_related("author", "category")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .order_by("-pinned", *ordering, "-pk")
    )


# The fields a thread list's row reads (views narrow thread_queryset to them).
ROW_FIELDS = (
    "community_id",
    "kind",
    "title",
    "idea_status",
    "accepted_post_id",
    "pinned",
    "locked",
    "last_position",
    "reply_count",
    "last_activity_at",
    "score",
    "author__username",
    "author__display_name",
    "author__deleted_at",
)


@dataclass
class ThreadRow:
    thread: Thread
    author_name: str
    unread: int
    is_new: bool
    tags: list[str] = field(default_factory=list)
    # The row rendered, from the fragment cache (see fragments.attach_rows).
    fragment: str = ""


def thread_rows(*, viewer: Any, threads: list[Thread], community: Community) -> list[ThreadRow]:
    """What the list shows of each thread, with the viewer's unread counts and the threads'
    tag names (one query: lighter than prefetching tag objects)."""
    tags: dict[int, list[str]] = defaultdict(list)
    pairs = (
        Thread.tags.through.objects.filter(thread_id__in=[t.pk for t in threads])
        .order_by("tag__name")
        .values_list("thread_id", "tag__name")
    )
    for thread_id, name in pairs:
        tags[thread_id].append(name)
    joined = None
    membership = membership_of(viewer, community)
    if membership is not None and membership.joined_at is not None:
        joined = membership.joined_at
    rows = []
    for thread in threads:
        read = getattr(thread, "read_position", None)
        if not viewer.is_authenticated:
            unread, is_new = 0, False
        elif read is None:
            unread = 0
            is_new = joined is not None and thread.last_activity_at > joined
        else:
            unread, is_new = max(thread.last_position - read, 0), False
        rows.append(
            ThreadRow(
                thread=thread,
                author_name=thread.author.name if thread.author else "",
                unread=unread,
                is_new=is_new,
                tags=tags[thread.pk],
            )
        )
    return rows


def thread_get(*, viewer: Any, community: Community, pk: int, action: str = "view") -> Thread:
    thread = next(
        iter(  # a slice: one row by primary key needs no ORDER BY (see knowledge.selectors)
            Thread.objects.select_related("category", "author")
            .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
            .filter(community=community, pk=pk)[:1]
        ),
        None,
    )
    if thread is None:
        raise Http404
    thread.community = community  # share the viewer's membership cache
    require(viewer, action, thread)
    return thread


def thread_by_id(*, viewer: Any, pk: int, action: str = "view") -> Thread:
    """A thread wherever it lives (the API, ``/t/<id>/`` links)."""
    thread = (
        Thread.objects.select_related("community", "category", "author", "accepted_post")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .filter(pk=pk)
        .first()
    )
    if thread is None:
        raise Http404
    with_viewer_membership([thread.community], viewer)
    require(viewer, action, thread)
    return thread


def post_get(*, viewer: Any, pk: int, action: str = "view") -> Post:
    post = Post.objects.select_related("thread__community", "author").filter(pk=pk).first()
    if post is None:
        raise Http404
    with_viewer_membership([post.thread.community], viewer)
    require(viewer, action, post)
    return post


@dataclass
class PostView:
    """A post as the viewer sees it: its text only if they may read it."""

    post: Post
    author: MemberCard | None
    html: str | None
    tombstone: str  # "" | "deleted" | "hidden" | "flags" | "review" (see HiddenReason)
    is_accepted: bool
    reactions: list[tuple[str, str, int, bool]] = field(
        default_factory=list
    )  # kind, emoji, count, mine
    my_vote: int = 0
    quoted_author: str = ""
    can_edit: bool = False
    can_delete: bool = False
    can_hide: bool = False
    can_purge: bool = False
    can_react: bool = False
    can_vote: bool = False
    can_flag: bool = False
    is_unread: bool = False
    by_blocked: bool = False  # written by someone the viewer blocked: folded unless asked
    comments: list[Comment] = field(default_factory=list)
    # The post rendered for visitors, from the fragment cache (see fragments.py).
    fragment: str = ""

    @property
    def has_actions(self) -> bool:
        return self.can_edit or self.can_delete or self.can_hide or self.can_purge or self.can_flag

    @property
    def shown_reactions(self) -> list[tuple[str, str, int, bool]]:
        """Every reaction to those who may react; the ones given, to the others."""
        if self.tombstone and not self.html:
            return []
        if self.can_react:
            return self.reactions
        return [reaction for reaction in self.reactions if reaction[2]]


def _ordered_posts(thread: Thread) -> QuerySet[Post]:
    # Authors come as cards (post_views); the quoted post brings only its author's name.
    posts = (
        Post.objects.filter(thread=thread)
        .select_related("reply_to__author")
        .defer("reply_to__body", "reply_to__body_html")
    )
    if thread.is_question:
        # The question first, then the accepted answer, then the best answers.
        return posts.annotate(
            rank=Case(
                When(position=1, then=Value(0)),
                When(pk=thread.accepted_post_id or 0, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        ).order_by("rank", "-score", "position")
    return posts.order_by("position")


def posts_page(
    *, viewer: Any, thread: Thread, page_number: Any = 1, show_blocked: bool = False
) -> tuple[Page[Post], list[PostView]]:
    """One page of a thread's posts with everything the page shows, in fixed queries."""
    page = Paginator(_ordered_posts(thread), POSTS_PER_PAGE).get_page(page_number)
    posts = list(page.object_list)
    return page, post_views(viewer=viewer, thread=thread, posts=posts, show_blocked=show_blocked)


def post_views(
    *, viewer: Any, thread: Thread, posts: list[Post], show_blocked: bool = True
) -> list[PostView]:
    """What ``viewer`` sees of ``posts`` (of ``thread``), in a fixed number of queries."""
    authors = list(User.objects.filter(pk__in={p.author_id for p in posts if p.author_id}))
    profiles = {card.id: card for card in member_cards(viewer=viewer, members=authors)}
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for row in (
        Reaction.objects.filter(post__in=posts).values("post_id", "kind").annotate(n=Count("id"))
    ):
        counts[row["post_id"]][row["kind"]] = row["n"]
    mine: set[tuple[int, str]] = set()
    votes: dict[int, int] = {}
    read = 0
    blocked: set[int] = set()
    if viewer.is_authenticated:
        if not show_blocked:
            blocked = set(
                Block.objects.filter(blocker_id=viewer.pk).values_list("blocked_id", flat=True)
            )
        mine = set(
            Reaction.objects.filter(post__in=posts, member_id=viewer.pk).values_list(
                "post_id", "kind"
            )
        )
        votes = dict(
            Vote.objects.filter(post__in=posts, member_id=viewer.pk).values_list("post_id", "value")
        )
        state = ReadState.objects.filter(member_id=viewer.pk, thread=thread).first()
        read = state.last_read_position if state else 0
    emoji = {kind: str(label) for kind, label in Reaction.Kind.choices}
    # Every action on a post needs a signed-in member (each rule says so): visitors skip them.
    member = bool(viewer.is_authenticated)
    comments: dict[int, list[Comment]] = defaultdict(list)
    for comment in (
        Comment.objects.filter(post__in=posts).select_related("author").order_by("created_at", "pk")
    ):
        comments[comment.post_id].append(comment)
    views = []
    for post in posts:
        post.thread = thread
        readable = can(viewer, "read", post)
        tombstone = ""
        if post.deleted_at:
            tombstone = "deleted"
        elif post.hidden_at:
            tombstone = (
                post.hidden_reason if post.hidden_reason in ("flags", "review") else "hidden"
            )
        views.append(
            PostView(
                post=post,
                author=profiles.get(post.author_id) if post.author_id else None,
                html=post.body_html if readable else None,
                tombstone=tombstone,
                is_accepted=thread.accepted_post_id == post.pk,
                reactions=[
                    (kind, emoji[kind], counts[post.pk].get(kind, 0), (post.pk, kind) in mine)
                    for kind in emoji
                ],
                my_vote=votes.get(post.pk, 0),
                quoted_author=(
                    post.reply_to.author.name if post.reply_to and post.reply_to.author else ""
                ),
                can_edit=member and can(viewer, "edit", post),
                can_delete=member and can(viewer, "delete", post),
                can_hide=member and can(viewer, "hide", post),
                can_purge=member and can(viewer, "purge", post),
                can_react=member and can(viewer, "react", post),
                can_vote=member and can(viewer, "vote", post),
                can_flag=member and can(viewer, "flag", post),
                is_unread=member and post.position > read,
                by_blocked=post.author_id in blocked,
                comments=comments[post.pk] if readable else [],
            )
        )
    return views


def page_of_position(thread: Thread, position: int) -> int:
    """The page that shows the post at ``position`` (chronological threads)."""
    if thread.is_question:
        ordered = list(_ordered_posts(thread).values_list("position", flat=True))
        index = ordered.index(position) if position in ordered else 0
        return index // POSTS_PER_PAGE + 1
    return max(position - 1, 0) // POSTS_PER_PAGE + 1


def first_unread_position(*, viewer: Any, thread: Thread) -> int:
    if not viewer.is_authenticated:
        return 1
    state = ReadState.objects.filter(member_id=viewer.pk, thread=thread).first()
    read = state.last_read_position if state else 0
    return min(read + 1, thread.last_position)


# A thread the member never opened counts as unread for this long after its last activity
# (and only if that came after they joined); one they opened counts whenever it has posts
# past where they stopped. Without the window, a member of large communities had every
# thread they never opened counted on each visit to the home page (all of them: seconds).
UNREAD_NEW_DAYS = 30


def unread_thread_counts(*, viewer: Any, communities: list[Community]) -> dict[int, int]:
    """For each community, how many of its threads have posts the viewer has not read.

    A thread the viewer opened counts when it has posts past where they stopped; a thread
    never opened counts when it moved after the viewer joined the community and within the
    last :data:`UNREAD_NEW_DAYS` days. Muted threads and communities do not count. Three
    queries, each bounded by an index: the viewer's memberships, the threads they read
    (from their read states), the recent threads of their communities.
    """
    if not viewer.is_authenticated or not communities:
        return {}
    joined = dict(
        Membership.objects.filter(
            member_id=viewer.pk, community__in=communities, status=Membership.Status.ACTIVE
        ).values_list("community_id", "joined_at")
    )
    if not joined:
        return {}
    horizon = timezone.now() - timedelta(days=UNREAD_NEW_DAYS)

    def unmuted[M: Model](rows: QuerySet[M], thread: str) -> QuerySet[M]:
        # What the viewer muted (the thread, or its whole community) is not counted
        # (subscriptions are the notifications app's, reached through their reverse relation).
        return rows.exclude(
            **{
                f"{thread}subscriptions__member_id": viewer.pk,
                f"{thread}subscriptions__level": "mute",
            }
        ).exclude(
            **{
                f"{thread}community__subscriptions__member_id": viewer.pk,
                f"{thread}community__subscriptions__level": "mute",
            }
        )

    # Driven by the viewer's read states (few), not by their communities' threads (many).
    behind = unmuted(
        ReadState.objects.filter(
            member_id=viewer.pk,
            thread__community_id__in=list(joined),
            thread__deleted_at__isnull=True,
            thread__hidden_at__isnull=True,
            thread__last_position__gt=F("last_read_position"),
        ),
        "thread__",
    ).values_list("thread__community_id")
    recent = Q()
    for community_id, joined_at in joined.items():
        since = max(joined_at or horizon, horizon)
        recent |= Q(community_id=community_id, last_activity_at__gt=since)
    never_opened = (
        unmuted(Thread.objects.listed().filter(recent), "")
        .exclude(read_states__member_id=viewer.pk)
        .values_list("community_id")
    )
    counts: dict[int, int] = defaultdict(int)
    for grouped in (behind, never_opened):
        for community_id, number in grouped.annotate(n=Count("pk")):
            counts[community_id] += number
    return dict(counts)


PINNED_FOR_EVERYONE = 5


def pinned_for_everyone(*, viewer: Any) -> list[Thread]:
    """Threads administrators pinned above everyone's home page, that the viewer may read."""
    threads = list(
        Thread.objects.filter(pinned_globally=True)
        .listed()
        .select_related("community")
        .order_by("-last_activity_at")[: PINNED_FOR_EVERYONE * 2]
    )
    with_viewer_membership([t.community for t in threads], viewer)
    return [t for t in threads if can(viewer, "view", t)][:PINNED_FOR_EVERYONE]


def thread_links(*, viewer: Any, thread: Thread) -> list[tuple[str, Thread]]:
    """The threads this one is a duplicate of or related to, and those that point to it,
    that the viewer may see (one query)."""
    found = ThreadLink.objects.filter(Q(source=thread) | Q(target=thread)).select_related(
        "source__community", "target__community"
    )
    links: list[tuple[str, Thread]] = []
    for link in found:
        other = link.target if link.source_id == thread.pk else link.source
        if link.kind == ThreadLink.Kind.DUPLICATE:
            label = "duplicate_of" if link.source_id == thread.pk else "duplicated_by"
        else:
            label = "related"
        links.append((label, other))
    communities = [other.community for _label, other in links]
    with_viewer_membership(communities, viewer)
    return [(label, other) for label, other in links if can(viewer, "view", other)]
