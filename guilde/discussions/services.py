"""Writes about threads and posts. Every deletion goes through :func:`post_delete`,
:func:`post_hide` / :func:`post_restore` and :func:`post_purge` (see ARCHITECTURE.md)."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from guilde.accounts.models import User
from guilde.communities.models import Community, Tag
from guilde.core.events import publish
from guilde.core.markdown import Rendered, render
from guilde.core.permissions import can, require
from guilde.discussions.models import (
    Category,
    Draft,
    Post,
    PostRevision,
    Reaction,
    ReadState,
    Thread,
    Vote,
)
from guilde.uploads.models import Upload
from guilde.uploads.services import uploads_delete

MAX_TAGS_PER_THREAD = 5


def _existing_usernames(names: set[str]) -> list[str]:
    lowered = {name.lower() for name in names}
    found = User.objects.filter(username__in=names | lowered, deleted_at__isnull=True)
    return list(found.values_list("username", flat=True))


def render_body(body: str) -> Rendered:
    return render(body, resolve_usernames=lambda names: _existing_usernames(names))


def _validate_text(title: str | None, body: str) -> None:
    if title is not None and not title.strip():
        raise ValidationError(_("A thread needs a title."))
    if not body.strip():
        raise ValidationError(_("Write something first."))


def _tags(community: Community, tag_slugs: Iterable[str]) -> list[Tag]:
    slugs = [slug for slug in dict.fromkeys(tag_slugs) if slug]
    if len(slugs) > MAX_TAGS_PER_THREAD:
        raise ValidationError(_("At most %(count)s tags."), params={"count": MAX_TAGS_PER_THREAD})
    found = list(Tag.objects.filter(community=community, slug__in=slugs))
    if len(found) != len(slugs):
        raise ValidationError(_("Use the tags of the community's vocabulary."))
    return found


def _attach(post: Post, rendered: Rendered) -> None:
    """Link the post to the uploads its text shows (only those of its community)."""
    uploads = Upload.objects.filter(pk__in=rendered.uploads, community_id=post.thread.community_id)
    post.attachments.set(list(uploads))


def _refresh(thread: Thread) -> None:
    """Recount a thread's replies and last activity from its visible posts."""
    visible = Post.objects.filter(thread=thread).visible()
    stats = visible.aggregate(count=Max("position"), last=Max("created_at"))
    thread.reply_count = max(visible.exclude(position=1).count(), 0)
    thread.last_activity_at = stats["last"] or thread.created_at
    if thread.accepted_post_id and not visible.filter(pk=thread.accepted_post_id).exists():
        thread.accepted_post = None
    thread.save(update_fields=["reply_count", "last_activity_at", "accepted_post"])


def _discard_draft(member: User, community: Community, thread: Thread | None) -> None:
    Draft.objects.filter(member=member, community=community, thread=thread).delete()


# Threads and posts ------------------------------------------------------------------------


@transaction.atomic
def thread_create(
    *,
    actor: User,
    community: Community,
    kind: str,
    title: str,
    body: str,
    tags: Iterable[str] = (),
    category: Category | None = None,
) -> Thread:
    """A new thread and its opening post."""
    require(actor, "post", community)
    if kind == Thread.Kind.ANNOUNCEMENT and not can(actor, "announce", community):
        raise PermissionDenied(_("Only coordinators and moderators make announcements."))
    if kind not in Thread.Kind.values:
        raise ValidationError(_("Unknown kind of thread."))
    _validate_text(title, body)
    if category is not None and category.community_id != community.pk:
        raise ValidationError(_("This category belongs to another community."))
    chosen_tags = _tags(community, tags)
    now = timezone.now()
    thread = Thread.objects.create(
        community=community,
        kind=kind,
        title=" ".join(title.split())[:200],
        author=actor,
        category=category,
        created_at=now,
        last_activity_at=now,
        last_position=1,
    )
    thread.tags.set(chosen_tags)
    rendered = render_body(body)
    post = Post.objects.create(
        thread=thread, author=actor, position=1, body=body, body_html=rendered.html, created_at=now
    )
    _attach(post, rendered)
    ReadState.objects.create(member=actor, thread=thread, last_read_position=1)
    _discard_draft(actor, community, None)
    publish("thread.created", thread_id=thread.pk)
    return thread


def _locked_thread(thread: Thread) -> Thread:
    """The thread row, locked for the transaction (positions are handed out one by one)."""
    return Thread.objects.select_for_update().select_related("community").get(pk=thread.pk)


@transaction.atomic
def post_create(*, actor: User, thread: Thread, body: str, reply_to: Post | None = None) -> Post:
    require(actor, "reply", thread)
    _validate_text(None, body)
    thread = _locked_thread(thread)
    if reply_to is not None and reply_to.thread_id != thread.pk:
        raise ValidationError(_("You can only quote a post of the same thread."))
    rendered = render_body(body)
    now = timezone.now()
    position = thread.last_position + 1
    post = Post.objects.create(
        thread=thread,
        author=actor,
        position=position,
        body=body,
        body_html=rendered.html,
        reply_to=reply_to,
        created_at=now,
    )
    _attach(post, rendered)
    Thread.objects.filter(pk=thread.pk).update(last_position=position)
    thread.last_position = position
    _refresh(thread)
    ReadState.objects.update_or_create(
        member=actor, thread=thread, defaults={"last_read_position": position, "updated_at": now}
    )
    _discard_draft(actor, thread.community, thread)
    publish("post.created", post_id=post.pk)
    return post


@transaction.atomic
def post_edit(
    *,
    actor: User,
    post: Post,
    body: str,
    title: str | None = None,
    tags: Iterable[str] | None = None,
) -> Post:
    """Change a post (and an opening post's thread title and tags); keep the old version."""
    require(actor, "edit", post)
    _validate_text(title if post.is_opening else None, body)
    thread = post.thread
    title_changes = post.is_opening and title is not None and title.strip() != thread.title
    if body == post.body and not title_changes and tags is None:
        return post
    now = timezone.now()
    PostRevision.objects.create(
        post=post,
        title=thread.title if post.is_opening else "",
        body=post.body,
        edited_by=actor,
        created_at=post.edited_at or post.created_at,
        replaced_at=now,
    )
    rendered = render_body(body)
    post.body = body
    post.body_html = rendered.html
    post.edited_at = now
    post.save(update_fields=["body", "body_html", "edited_at"])
    _attach(post, rendered)
    if post.is_opening:
        if title is not None:
            thread.title = " ".join(title.split())[:200]
        thread.edited_at = now
        thread.save(update_fields=["title", "edited_at"])
        if tags is not None:
            thread.tags.set(_tags(thread.community, tags))
    return post


@transaction.atomic
def post_delete(*, actor: User, post: Post) -> Post:
    """The author deletes their post: a tombstone "deleted by its author"; replies stay.

    An opening post without visible replies takes its thread with it.
    """
    require(actor, "delete", post)
    now = timezone.now()
    post.deleted_at = now
    post.save(update_fields=["deleted_at"])
    thread = post.thread
    if (
        post.is_opening
        and not Post.objects.filter(thread=thread).exclude(pk=post.pk).visible().exists()
    ):
        thread.deleted_at = now
        thread.save(update_fields=["deleted_at"])
    _refresh(thread)
    return post


@transaction.atomic
def post_hide(*, actor: User, post: Post) -> Post:
    """A moderator hides a post (an opening post hides the whole thread); reversible."""
    require(actor, "hide", post)
    now = timezone.now()
    post.hidden_at, post.hidden_by = now, actor
    post.save(update_fields=["hidden_at", "hidden_by"])
    if post.is_opening:
        thread = post.thread
        thread.hidden_at, thread.hidden_by = now, actor
        thread.save(update_fields=["hidden_at", "hidden_by"])
    _refresh(post.thread)
    return post


@transaction.atomic
def post_restore(*, actor: User, post: Post) -> Post:
    require(actor, "hide", post)
    post.hidden_at, post.hidden_by = None, None
    post.save(update_fields=["hidden_at", "hidden_by"])
    if post.is_opening:
        thread = post.thread
        thread.hidden_at, thread.hidden_by = None, None
        thread.save(update_fields=["hidden_at", "hidden_by"])
    _refresh(post.thread)
    return post


@transaction.atomic
def post_purge(*, actor: User, post: Post) -> None:
    """An administrator erases a post for good (an opening post: the whole thread),
    with the files only it used."""
    require(actor, "purge", post)
    thread = post.thread
    posts = (
        Post.objects.filter(thread=thread) if post.is_opening else Post.objects.filter(pk=post.pk)
    )
    attached = list(Upload.objects.filter(posts__in=posts).distinct())
    kept_elsewhere = set(
        Upload.objects.filter(pk__in=[u.pk for u in attached])
        .filter(posts__isnull=False)
        .exclude(posts__in=posts)
        .values_list("pk", flat=True)
    )
    if post.is_opening:
        thread.delete()
    else:
        post.delete()
        _refresh(thread)
    uploads_delete([u for u in attached if u.pk not in kept_elsewhere])


# Reactions, votes, answers, ideas ------------------------------------------------------------


@transaction.atomic
def reaction_toggle(*, actor: User, post: Post, kind: str) -> bool:
    """Add the reaction, or take it back if it was there; returns whether it is on now."""
    require(actor, "react", post)
    if kind not in Reaction.Kind.values:
        raise ValidationError(_("Unknown reaction."))
    deleted, _detail = Reaction.objects.filter(post=post, member=actor, kind=kind).delete()
    if deleted:
        return False
    Reaction.objects.create(post=post, member=actor, kind=kind)
    publish("reaction.added", post_id=post.pk, member_id=actor.pk, kind=kind)
    return True


@transaction.atomic
def vote_set(*, actor: User, post: Post, value: int) -> int:
    """Vote a post up (1) or down (-1), or take the vote back (0); returns the new score."""
    require(actor, "vote", post)
    if value not in (-1, 0, 1):
        raise ValidationError(_("A vote is up, down, or withdrawn."))
    if value == -1 and post.thread.kind == Thread.Kind.IDEA and post.is_opening:
        raise ValidationError(_("Ideas are only voted up."))
    if value == 0:
        Vote.objects.filter(post=post, member=actor).delete()
    else:
        Vote.objects.update_or_create(post=post, member=actor, defaults={"value": value})
    score = Vote.objects.filter(post=post).aggregate(total=Sum("value"))["total"] or 0
    post.score = score
    post.save(update_fields=["score"])
    if post.is_opening:
        Thread.objects.filter(pk=post.thread_id).update(score=score)
    return int(score)


@transaction.atomic
def answer_accept(*, actor: User, thread: Thread, post: Post | None) -> Thread:
    """The asker (or a moderator) accepts an answer, changes it, or takes it back (None)."""
    require(actor, "accept", thread)
    if post is not None and (post.thread_id != thread.pk or post.is_opening or not post.is_visible):
        raise ValidationError(_("Accept a visible answer of this question."))
    thread.accepted_post = post
    thread.save(update_fields=["accepted_post"])
    if post is not None:
        publish("answer.accepted", thread_id=thread.pk, post_id=post.pk, actor_id=actor.pk)
    return thread


@transaction.atomic
def idea_status_set(*, actor: User, thread: Thread, status: str) -> Thread:
    require(actor, "set_status", thread)
    if status not in Thread.IdeaStatus.values:
        raise ValidationError(_("Unknown status."))
    thread.idea_status = status
    thread.save(update_fields=["idea_status"])
    return thread


@transaction.atomic
def thread_moderate(
    *, actor: User, thread: Thread, pinned: bool | None = None, locked: bool | None = None
) -> Thread:
    require(actor, "moderate", thread)
    if pinned is not None:
        thread.pinned = pinned
    if locked is not None:
        thread.locked = locked
    thread.save(update_fields=["pinned", "locked"])
    return thread


# Reading and drafts ---------------------------------------------------------------------------


def thread_mark_read(*, member: User, thread: Thread, position: int) -> None:
    """Remember that ``member`` has read ``thread`` up to ``position`` (never backwards)."""
    position = min(position, thread.last_position)
    updated = ReadState.objects.filter(
        member=member, thread=thread, last_read_position__lt=position
    ).update(last_read_position=position, updated_at=timezone.now())
    if not updated and not ReadState.objects.filter(member=member, thread=thread).exists():
        ReadState.objects.get_or_create(
            member=member, thread=thread, defaults={"last_read_position": position}
        )


def draft_save(
    *,
    actor: User,
    community: Community,
    thread: Thread | None,
    title: str,
    body: str,
    kind: str = "",
) -> Draft | None:
    """Keep what the member is writing; an empty composer forgets its draft."""
    if thread is not None:
        require(actor, "reply", thread)
    else:
        require(actor, "post", community)
    if not title.strip() and not body.strip():
        _discard_draft(actor, community, thread)
        return None
    draft, _created = Draft.objects.update_or_create(
        member=actor,
        community=community,
        thread=thread,
        defaults={
            "title": title[:200],
            "body": body[:100_000],
            "kind": kind[:12],
            "updated_at": timezone.now(),
        },
    )
    return draft


def draft_for(
    *, member: User | AnonymousUser, community: Community, thread: Thread | None
) -> Draft | None:
    if not isinstance(member, User):
        return None
    return Draft.objects.filter(member=member, community=community, thread=thread).first()


def threads_of_member_q(member: User) -> Q:
    """Threads the member started or replied to ("my threads")."""
    return Q(author=member) | Q(posts__author=member)
