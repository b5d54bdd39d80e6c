"""What the discussions app holds about members (see guilde.accounts.rights).

Deletion follows the member's choice: their threads and posts stay, signed "deleted
member", or they are erased. Erasing a thread that others replied to would erase their
words too, so such a thread loses its opening post's text (a tombstone) but keeps the
replies; a thread without replies goes entirely.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone

from guilde.accounts.models import User
from guilde.accounts.rights import (
    DeletionContext,
    Handling,
    classify,
    exporter,
    on_account_deletion,
)
from guilde.discussions.models import (
    Comment,
    Draft,
    Post,
    PostRevision,
    Reaction,
    ReadState,
    Thread,
    Vote,
)
from guilde.discussions.services import _refresh

classify("discussions.Category", Handling.NONE, "categories of a community")
classify(
    "discussions.Thread",
    Handling.CONTRIBUTION,
    "threads the member started",
    export_part="threads",
    owner_field="author",
)
classify(
    "discussions.Post",
    Handling.CONTRIBUTION,
    "posts the member wrote",
    export_part="posts",
    owner_field="author",
)
classify(
    "discussions.PostRevision",
    Handling.CONTRIBUTION,
    "earlier versions of posts, written or edited by the member",
    export_part="post_revisions",
    owner_field="edited_by",
)
classify(
    "discussions.Reaction", Handling.OWNED, "reactions the member gave", export_part="reactions"
)
classify("discussions.Vote", Handling.OWNED, "votes the member cast", export_part="votes")
classify(
    "discussions.ReadState",
    Handling.OWNED,
    "how far the member read threads",
    export_part="read_states",
)
classify("discussions.Draft", Handling.OWNED, "unfinished texts", export_part="drafts")
classify(
    "discussions.Comment",
    Handling.CONTRIBUTION,
    "comments under posts (imported): kept signed 'deleted member', or erased",
    export_part="comments",
    owner_field="author",
)
classify("discussions.ThreadLink", Handling.NONE, "links between threads")


def _forget_mentions(username: str) -> None:
    """Others' posts that mention the member name them no more."""
    from guilde.core.markdown import forget_mentions
    from guilde.discussions.services import render_body

    for post in Post.objects.filter(body__icontains=f"@{username}"):
        body = forget_mentions(post.body, username)
        if body != post.body:
            Post.objects.filter(pk=post.pk).update(body=body, body_html=render_body(body).html)
    for revision in PostRevision.objects.filter(body__icontains=f"@{username}"):
        PostRevision.objects.filter(pk=revision.pk).update(
            body=forget_mentions(revision.body, username)
        )


@on_account_deletion(order=50)
def handle_discussions(context: DeletionContext) -> None:
    member = context.member
    _forget_mentions(member.username)
    for model in (Reaction, ReadState, Draft):
        model._default_manager.filter(member=member).delete()
    voted_posts = list(Post.objects.filter(votes__member=member).distinct())
    Vote.objects.filter(member=member).delete()
    for post in voted_posts:
        from django.db.models import Sum

        post.score = post.votes.aggregate(total=Sum("value"))["total"] or 0
        post.save(update_fields=["score"])
        if post.is_opening:
            Thread.objects.filter(pk=post.thread_id).update(score=post.score)
    Thread.objects.filter(hidden_by=member).update(hidden_by=None)
    Post.objects.filter(hidden_by=member).update(hidden_by=None)
    if context.keep_contributions:
        return
    # Erase: the member's words go, others' stay.
    PostRevision.objects.filter(Q(post__author=member) | Q(edited_by=member)).delete()
    now = timezone.now()
    for thread in Thread.objects.filter(author=member):
        others = Post.objects.filter(thread=thread).exclude(author=member).exists()
        if not others:
            thread.delete()
            continue
        Post.objects.filter(thread=thread, position=1).update(
            body="", body_html="", deleted_at=now, author=None
        )
        thread.title = "—"
        thread.author = None
        thread.save(update_fields=["title", "author"])
    affected = set(Post.objects.filter(author=member).values_list("thread_id", flat=True))
    Post.objects.filter(author=member, replies__isnull=False).update(
        body="", body_html="", deleted_at=now, author=None
    )
    Post.objects.filter(author=member).delete()
    Comment.objects.filter(author=member).delete()
    for thread in Thread.objects.filter(pk__in=affected):
        _refresh(thread)


@exporter("threads")
def export_threads(member: User) -> list[dict[str, Any]]:
    return [
        {
            "id": t.pk,
            "community": t.community.name,
            "kind": t.kind,
            "title": t.title,
            "created_at": t.created_at,
        }
        for t in Thread.objects.filter(author=member).select_related("community")
    ]


@exporter("posts")
def export_posts(member: User) -> list[dict[str, Any]]:
    return [
        {
            "id": p.pk,
            "thread": p.thread.title,
            "body": p.body,
            "created_at": p.created_at,
            "deleted_by_author": p.deleted_at is not None,
        }
        for p in Post.objects.filter(author=member).select_related("thread")
    ]


@exporter("post_revisions")
def export_revisions(member: User) -> list[dict[str, Any]]:
    return [
        {"id": r.pk, "post": r.post_id, "body": r.body, "replaced_at": r.replaced_at}
        for r in PostRevision.objects.filter(edited_by=member)
    ]


@exporter("reactions")
def export_reactions(member: User) -> list[dict[str, Any]]:
    return [
        {"id": r.pk, "post": r.post_id, "kind": r.kind}
        for r in Reaction.objects.filter(member=member)
    ]


@exporter("votes")
def export_votes(member: User) -> list[dict[str, Any]]:
    return [
        {"id": v.pk, "post": v.post_id, "value": v.value}
        for v in Vote.objects.filter(member=member)
    ]


@exporter("read_states")
def export_read_states(member: User) -> list[dict[str, Any]]:
    return [
        {"id": r.pk, "thread": r.thread_id, "last_read_position": r.last_read_position}
        for r in ReadState.objects.filter(member=member)
    ]


@exporter("drafts")
def export_drafts(member: User) -> list[dict[str, Any]]:
    return [
        {"id": d.pk, "title": d.title, "body": d.body} for d in Draft.objects.filter(member=member)
    ]


@exporter("comments")
def export_comments(member: User) -> list[dict[str, Any]]:
    return [
        {"id": c.pk, "post": c.post_id, "body": c.body, "created_at": c.created_at}
        for c in Comment.objects.filter(author=member)
    ]
