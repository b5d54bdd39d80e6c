"""Writes about threads and posts. Every deletion goes through :func:`post_delete`,
:func:`post_hide` / :func:`post_restore` and :func:`post_purge` (see ARCHITECTURE.md)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guilde.accounts.models import User
from guilde.communities import audit
from guilde.communities.models import Community, Membership, Tag
from guilde.communities.permissions import membership_of
from guilde.core import indexing
from guilde.core.events import publish
from guilde.core.markdown import Rendered, render
from guilde.core.permissions import can, require
from guilde.discussions.models import (
    Category,
    Draft,
    HiddenReason,
    Post,
    PostRevision,
    Reaction,
    ReadState,
    Thread,
    ThreadLink,
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
    before = set(post.attachments.values_list("pk", flat=True))
    post.attachments.set(list(uploads))
    indexing.changed("upload", *(before - {u.pk for u in uploads}))  # no longer used here


def _refresh(thread: Thread) -> None:
    """Recount a thread's replies and last activity from its visible posts."""
    visible = Post.objects.filter(thread=thread).visible()
    stats = visible.aggregate(count=Max("position"), last=Max("created_at"))
    thread.reply_count = max(visible.exclude(position=1).count(), 0)
    thread.last_activity_at = stats["last"] or thread.created_at
    if thread.accepted_post_id and not visible.filter(pk=thread.accepted_post_id).exists():
        thread.accepted_post = None
    thread.save(update_fields=["reply_count", "last_activity_at", "accepted_post"])
    indexing.changed("thread", thread.pk)


def held_for_review(member: User, community: Community) -> bool:
    """Whether what ``member`` writes in ``community`` waits for a moderator: in communities
    that ask for it, a member's posts wait until one of them has been approved."""
    if not community.review_first_posts or can(member, "moderate", community):
        return False
    membership = membership_of(member, community)
    if membership is None or membership.role != Membership.Role.MEMBER:
        return False
    return not Post.objects.filter(author=member, thread__community=community).visible().exists()


def _check_slow_mode(actor: User, thread: Thread, now: datetime) -> None:
    if not thread.slow_mode_minutes or can(actor, "moderate", thread.community):
        return
    since = now - timedelta(minutes=thread.slow_mode_minutes)
    last = (
        Post.objects.filter(thread=thread, author=actor, created_at__gt=since)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last is not None:
        wait = max(
            1,
            int((last + timedelta(minutes=thread.slow_mode_minutes) - now).total_seconds() // 60)
            + 1,
        )
        raise ValidationError(
            _("This thread is in slow mode: you can post again in %(minutes)s minutes.")
            % {"minutes": wait}
        )


_EXTERNAL_LINK = re.compile(r"""<(?:a [^>]*href|img [^>]*src)="https?://""")


def _check_new_account(
    actor: User, community: Community, rendered: Rendered, *, new_post: bool
) -> None:
    """New accounts (``GUILDE_NEW_ACCOUNT_DAYS``) are held to a few posts an hour and a few
    outside links per post — what spammers need most. Moderators are exempt."""
    now = timezone.now()
    if actor.date_joined <= now - timedelta(days=settings.GUILDE_NEW_ACCOUNT_DAYS):
        return
    if can(actor, "moderate", community):
        return
    links = len(_EXTERNAL_LINK.findall(rendered.html))
    allowed = settings.GUILDE_NEW_ACCOUNT_LINKS
    if links > allowed:
        raise ValidationError(
            ngettext(
                "New members can put at most %(count)s link to other sites in a post.",
                "New members can put at most %(count)s links to other sites in a post.",
                allowed,
            )
            % {"count": allowed}
        )
    per_hour = settings.GUILDE_NEW_ACCOUNT_POSTS_PER_HOUR
    if (
        new_post
        and Post.objects.filter(author=actor, created_at__gt=now - timedelta(hours=1)).count()
        >= per_hour
    ):
        raise ValidationError(
            ngettext(
                "New members write at most %(count)s post an hour: please come back a little "
                "later.",
                "New members write at most %(count)s posts an hour: please come back a little "
                "later.",
                per_hour,
            )
            % {"count": per_hour}
        )


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
    rendered = render_body(body)
    _check_new_account(actor, community, rendered, new_post=True)
    now = timezone.now()
    held = held_for_review(actor, community)
    hidden = {"hidden_at": now, "hidden_reason": HiddenReason.REVIEW} if held else {}
    thread = Thread.objects.create(
        community=community,
        kind=kind,
        title=" ".join(title.split())[:200],
        author=actor,
        category=category,
        created_at=now,
        last_activity_at=now,
        last_position=1,
        **hidden,
    )
    thread.tags.set(chosen_tags)
    post = Post.objects.create(
        thread=thread,
        author=actor,
        position=1,
        body=body,
        body_html=rendered.html,
        created_at=now,
        **hidden,
    )
    _attach(post, rendered)
    ReadState.objects.create(member=actor, thread=thread, last_read_position=1)
    _discard_draft(actor, community, None)
    indexing.changed("thread", thread.pk)
    if not held:  # a held thread is announced when approved
        publish("thread.created", thread_id=thread.pk)
    return thread


def _locked_thread(thread: Thread) -> Thread:
    """The thread row, locked for the transaction (positions are handed out one by one).

    FOR NO KEY UPDATE, not FOR UPDATE: rows that refer to the thread (a search document the
    worker writes, a post) take a KEY SHARE lock on it when inserted, which FOR UPDATE
    blocks. The worker, holding the thread's documents and waiting for that lock, and this
    transaction, holding the thread and waiting to replace the same documents, deadlocked on
    PostgreSQL (the crash test saw it). Every row lock in Guilde is taken this way."""
    return (
        Thread.objects.select_for_update(no_key=True).select_related("community").get(pk=thread.pk)
    )


@transaction.atomic
def post_create(*, actor: User, thread: Thread, body: str, reply_to: Post | None = None) -> Post:
    require(actor, "reply", thread)
    _validate_text(None, body)
    thread = _locked_thread(thread)
    if reply_to is not None and reply_to.thread_id != thread.pk:
        raise ValidationError(_("You can only quote a post of the same thread."))
    now = timezone.now()
    _check_slow_mode(actor, thread, now)
    rendered = render_body(body)
    _check_new_account(actor, thread.community, rendered, new_post=True)
    position = thread.last_position + 1
    held = held_for_review(actor, thread.community)
    post = Post.objects.create(
        thread=thread,
        author=actor,
        position=position,
        body=body,
        body_html=rendered.html,
        reply_to=reply_to,
        created_at=now,
        **({"hidden_at": now, "hidden_reason": HiddenReason.REVIEW} if held else {}),
    )
    _attach(post, rendered)
    Thread.objects.filter(pk=thread.pk).update(last_position=position)
    thread.last_position = position
    _refresh(thread)
    ReadState.objects.update_or_create(
        member=actor, thread=thread, defaults={"last_read_position": position, "updated_at": now}
    )
    _discard_draft(actor, thread.community, thread)
    indexing.changed("post", post.pk)
    if not held:  # a held post is announced when approved
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
    _check_new_account(actor, thread.community, rendered, new_post=False)
    post.body = body
    post.body_html = rendered.html
    post.edited_at = now
    post.save(update_fields=["body", "body_html", "edited_at"])
    _attach(post, rendered)
    if post.author_id != actor.pk:
        audit.log(
            actor=actor,
            action=audit.Action.POST_EDIT,
            community=thread.community,
            target=post,
            member=post.author,
        )
    if post.is_opening:
        if title is not None:
            thread.title = " ".join(title.split())[:200]
        thread.edited_at = now
        thread.save(update_fields=["title", "edited_at"])
        if tags is not None:
            thread.tags.set(_tags(thread.community, tags))
    indexing.changed("post", post.pk)
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
    indexing.changed("post", post.pk)
    _refresh(thread)
    publish("post.deleted", post_id=post.pk)
    return post


def _set_hidden(post: Post, *, at: datetime | None, by: User | None, reason: str) -> None:
    """Hide or show a post (an opening post: its whole thread too)."""
    post.hidden_at, post.hidden_by, post.hidden_reason = at, by, reason
    post.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    if post.is_opening:
        thread = post.thread
        thread.hidden_at, thread.hidden_by, thread.hidden_reason = at, by, reason
        thread.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
        indexing.changed("thread", thread.pk, with_posts=True)
    else:
        indexing.changed("post", post.pk)
    _refresh(post.thread)
    if at is not None:
        publish("post.hidden", post_id=post.pk)


def hide_by_flags(post: Post) -> None:
    """Members' flags reached the community's threshold: hidden until a moderator looks
    (no one acts; the moderation app logs it)."""
    _set_hidden(post, at=timezone.now(), by=None, reason=HiddenReason.FLAGS)


@transaction.atomic
def post_hide(*, actor: User, post: Post, reason: str = "") -> Post:
    """A moderator hides a post (an opening post hides the whole thread); reversible."""
    require(actor, "hide", post)
    _set_hidden(post, at=timezone.now(), by=actor, reason=HiddenReason.MODERATOR)
    audit.log(
        actor=actor,
        action=audit.Action.POST_HIDE,
        community=post.thread.community,
        target=post,
        member=post.author,
        reason=reason,
    )
    return post


@transaction.atomic
def post_restore(*, actor: User, post: Post, reason: str = "") -> Post:
    """A moderator shows a hidden post again (one held for review: see post_approve)."""
    require(actor, "hide", post)
    was_held = post.hidden_reason == HiddenReason.REVIEW
    _set_hidden(post, at=None, by=None, reason="")
    audit.log(
        actor=actor,
        action=audit.Action.POST_APPROVE if was_held else audit.Action.POST_RESTORE,
        community=post.thread.community,
        target=post,
        member=post.author,
        reason=reason,
    )
    if was_held:  # announced now, as if just written
        if post.is_opening:
            publish("thread.created", thread_id=post.thread_id)
        else:
            publish("post.created", post_id=post.pk)
    return post


@transaction.atomic
def post_purge(*, actor: User, post: Post) -> None:
    """An administrator erases a post for good (an opening post: the whole thread),
    with the files only it used."""
    require(actor, "purge", post)
    thread = post.thread
    audit.log(
        actor=actor,
        action=audit.Action.POST_PURGE,
        community=thread.community,
        target=post,
        member=post.author,
    )
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
    purged_post, purged_thread = post.pk, thread.pk
    if post.is_opening:
        thread.delete()
        indexing.changed("thread", purged_thread)
    else:
        post.delete()
        indexing.changed("post", purged_post)
        _refresh(thread)
    uploads_delete([u for u in attached if u.pk not in kept_elsewhere])
    indexing.changed("upload", *[u.pk for u in attached])
    publish(
        "post.purged",
        post_id=purged_post,
        thread_id=purged_thread,
        community_id=thread.community_id,
        thread_removed=post.is_opening,
        at=timezone.now().isoformat(),
    )


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
    thread.accepted_at = timezone.now() if post is not None else None
    thread.save(update_fields=["accepted_post", "accepted_at"])
    indexing.changed("thread", thread.pk)
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
def post_reject(*, actor: User, post: Post, reason: str = "") -> Post:
    """A moderator turns down a post held for review: it stays hidden, as hidden by them."""
    require(actor, "hide", post)
    if post.hidden_reason != HiddenReason.REVIEW:
        raise ValidationError(_("This post is not waiting for review."))
    _set_hidden(post, at=timezone.now(), by=actor, reason=HiddenReason.MODERATOR)
    audit.log(
        actor=actor,
        action=audit.Action.POST_REJECT,
        community=post.thread.community,
        target=post,
        member=post.author,
        reason=reason,
    )
    return post


@transaction.atomic
def thread_moderate(
    *,
    actor: User,
    thread: Thread,
    pinned: bool | None = None,
    pinned_globally: bool | None = None,
    locked: bool | None = None,
    reason: str = "",
) -> Thread:
    """Pin or unpin (in the community, or for everyone: administrators), lock or unlock
    (the reason is shown to readers). Each change is logged."""
    require(actor, "moderate", thread)
    if pinned_globally is not None and not actor.is_staff:
        raise PermissionDenied(_("Only administrators pin threads for everyone."))
    changes: list[tuple[str, audit.Action]] = []
    if pinned is not None and pinned != thread.pinned:
        thread.pinned = pinned
        changes.append(("pinned", audit.Action.THREAD_PIN if pinned else audit.Action.THREAD_UNPIN))
    if pinned_globally is not None and pinned_globally != thread.pinned_globally:
        thread.pinned_globally = pinned_globally
        action = (
            audit.Action.THREAD_PIN_GLOBALLY
            if pinned_globally
            else audit.Action.THREAD_UNPIN_GLOBALLY
        )
        changes.append(("pinned_globally", action))
    if locked is not None and locked != thread.locked:
        thread.locked = locked
        thread.locked_reason = reason.strip()[:300] if locked else ""
        changes.append(
            ("locked", audit.Action.THREAD_LOCK if locked else audit.Action.THREAD_UNLOCK)
        )
    if not changes:
        return thread
    thread.save(update_fields=["pinned", "pinned_globally", "locked", "locked_reason"])
    for _field, action in changes:
        audit.log(
            actor=actor,
            action=action,
            community=thread.community,
            target=thread,
            member=thread.author,
            reason=reason,
        )
    return thread


@transaction.atomic
def thread_close(*, actor: User, thread: Thread, reason: str) -> Thread:
    """Close a question as off-topic: no more answers; readers see why."""
    require(actor, "moderate", thread)
    if not thread.is_question:
        raise ValidationError(_("Only questions are closed as off-topic; lock other threads."))
    if not reason.strip():
        raise ValidationError(_("Say why the question is closed: readers will see it."))
    thread.closed_at, thread.close_reason = timezone.now(), reason.strip()[:300]
    thread.save(update_fields=["closed_at", "close_reason"])
    audit.log(
        actor=actor,
        action=audit.Action.THREAD_CLOSE,
        community=thread.community,
        target=thread,
        member=thread.author,
        reason=reason,
    )
    return thread


@transaction.atomic
def thread_close_as_duplicate(
    *, actor: User, thread: Thread, original: Thread, reason: str = ""
) -> Thread:
    """Close a question as a duplicate of ``original``, a question of the same community
    (so every reader of one may read the other): no more answers; readers are sent to the
    original. A duplicate of a duplicate points to the first question asked."""
    require(actor, "moderate", thread)
    seen = {thread.pk}
    while original.duplicate_of_id is not None and original.pk not in seen:
        seen.add(original.pk)
        original = Thread.objects.get(pk=original.duplicate_of_id)
    if not thread.is_question or not original.is_question:
        raise ValidationError(_("Only a question is closed as a duplicate, of another question."))
    if original.pk in seen:
        raise ValidationError(_("A question cannot be a duplicate of itself."))
    if original.community_id != thread.community_id:
        raise ValidationError(_("The original question must be in the same community."))
    if original.deleted_at or original.hidden_at or original.merged_into_id:
        raise ValidationError(_("The original question is no longer shown."))
    thread.closed_at, thread.close_reason = timezone.now(), reason.strip()[:300]
    thread.duplicate_of = original
    thread.save(update_fields=["closed_at", "close_reason", "duplicate_of"])
    # Kept as a link too: the original lists its duplicates ("Duplicated by").
    ThreadLink.objects.get_or_create(source=thread, target=original, kind=ThreadLink.Kind.DUPLICATE)
    # Questions closed as duplicates of this one now lead to the original too.
    Thread.objects.filter(duplicate_of=thread).update(duplicate_of=original)
    audit.log(
        actor=actor,
        action=audit.Action.THREAD_DUPLICATE,
        community=thread.community,
        target=thread,
        member=thread.author,
        reason=reason or f"#{original.pk} {original.title}",
    )
    return thread


@transaction.atomic
def thread_reopen(*, actor: User, thread: Thread, reason: str = "") -> Thread:
    require(actor, "moderate", thread)
    if thread.duplicate_of_id:
        ThreadLink.objects.filter(
            source=thread, target_id=thread.duplicate_of_id, kind=ThreadLink.Kind.DUPLICATE
        ).delete()
    thread.closed_at, thread.close_reason, thread.duplicate_of = None, "", None
    thread.save(update_fields=["closed_at", "close_reason", "duplicate_of"])
    audit.log(
        actor=actor,
        action=audit.Action.THREAD_REOPEN,
        community=thread.community,
        target=thread,
        member=thread.author,
        reason=reason,
    )
    return thread


SLOW_MODE_CHOICES = (0, 5, 15, 60, 240, 1440)


@transaction.atomic
def thread_slow_mode(*, actor: User, thread: Thread, minutes: int, reason: str = "") -> Thread:
    """Each member may post once per ``minutes`` in the thread (0: off); moderators are free."""
    require(actor, "moderate", thread)
    if minutes not in SLOW_MODE_CHOICES:
        raise ValidationError(_("Choose one of the proposed intervals."))
    thread.slow_mode_minutes = minutes
    thread.save(update_fields=["slow_mode_minutes"])
    audit.log(
        actor=actor,
        action=audit.Action.THREAD_SLOW_MODE,
        community=thread.community,
        target=thread,
        reason=reason,
        details={"minutes": minutes},
    )
    return thread


@transaction.atomic
def thread_move(*, actor: User, thread: Thread, to: Community, reason: str = "") -> Thread:
    """Move a thread to another community the moderator also moderates. Its tags and
    category belonged to the old community and are dropped; who may read it, be told about
    it or find it follows the new community at once (every read checks the community)."""
    require(actor, "moderate", thread)
    require(actor, "moderate", to)
    source = thread.community
    if to.pk == source.pk:
        raise ValidationError(_("The thread is already in this community."))
    thread.community = to
    thread.category = None
    thread.pinned = False
    thread.save(update_fields=["community", "category", "pinned"])
    thread.tags.clear()
    Upload.objects.filter(posts__thread=thread, community=source).update(community=to)
    indexing.changed("thread", thread.pk, with_posts=True)
    for log_community in (source, to):  # both communities' logs; the author told once
        audit.log(
            actor=actor,
            action=audit.Action.THREAD_MOVE,
            community=log_community,
            target=thread,
            member=thread.author,
            reason=reason,
            details={"from": source.slug, "to": to.slug},
            tell=log_community == to,
        )
    return thread


def _append_posts(posts: list[Post], target: Thread) -> None:
    """Give ``posts`` (in order) the next positions of ``target``."""
    position = target.last_position
    for post in posts:
        position += 1
        Post.objects.filter(pk=post.pk).update(thread=target, position=position)
    Thread.objects.filter(pk=target.pk).update(last_position=position)
    target.last_position = position


@transaction.atomic
def thread_merge(*, actor: User, source: Thread, into: Thread, reason: str = "") -> Thread:
    """Move every post of ``source`` to the end of ``into`` (same community); ``source``
    then leads to ``into``. Quotes across the two threads stay; votes and reactions follow."""
    require(actor, "moderate", source)
    require(actor, "moderate", into)
    if source.pk == into.pk or source.community_id != into.community_id:
        raise ValidationError(_("Merge a thread into another thread of the same community."))
    into = _locked_thread(into)
    posts = list(Post.objects.filter(thread=source).order_by("position"))
    # Free the positions first (unique per thread), then hand out new ones.
    Post.objects.filter(thread=source).update(position=F("position") + 1_000_000)
    _append_posts(posts, into)
    source.merged_into = into
    source.hidden_at, source.hidden_reason, source.hidden_by = (
        timezone.now(),
        HiddenReason.MODERATOR,
        actor,
    )
    source.last_position = 0
    source.accepted_post = None
    source.save(
        update_fields=[
            "merged_into",
            "hidden_at",
            "hidden_reason",
            "hidden_by",
            "last_position",
            "accepted_post",
        ]
    )
    ReadState.objects.filter(thread=source).delete()
    indexing.changed("thread", source.pk)
    _refresh(into)
    indexing.changed("thread", into.pk, with_posts=True)
    audit.log(
        actor=actor,
        action=audit.Action.THREAD_MERGE,
        community=into.community,
        target=into,
        member=source.author,
        reason=reason,
        details={"from": source.pk, "from_title": source.title[:200]},
    )
    return into


@transaction.atomic
def thread_split(
    *, actor: User, thread: Thread, positions: Iterable[int], title: str, reason: str = ""
) -> Thread:
    """Move some replies to a new thread of the same community; the first becomes its
    opening post. Quotes that now cross threads are cut."""
    require(actor, "moderate", thread)
    wanted = sorted(set(positions))
    if not wanted or 1 in wanted:
        raise ValidationError(_("Choose replies to move (not the opening post)."))
    if not title.strip():
        raise ValidationError(_("A thread needs a title."))
    thread = _locked_thread(thread)
    posts = list(Post.objects.filter(thread=thread, position__in=wanted).order_by("position"))
    if len(posts) != len(wanted):
        raise ValidationError(_("Some of these replies are not in the thread."))
    first = posts[0]
    new = Thread.objects.create(
        community=thread.community,
        kind=Thread.Kind.DISCUSSION,
        title=" ".join(title.split())[:200],
        author=first.author,
        created_at=first.created_at,
        last_activity_at=first.created_at,
    )
    moved = [p.pk for p in posts]
    Post.objects.filter(pk__in=moved).update(position=F("position") + 1_000_000)
    _append_posts(posts, new)
    Post.objects.filter(pk__in=moved).exclude(reply_to__in=moved).update(reply_to=None)
    Post.objects.filter(thread=thread, reply_to__in=moved).update(reply_to=None)
    if thread.accepted_post_id in moved:
        Thread.objects.filter(pk=thread.pk).update(accepted_post=None)
        thread.accepted_post = None
    _refresh(thread)
    new.refresh_from_db()
    _refresh(new)
    indexing.changed("thread", thread.pk, new.pk, with_posts=True)
    audit.log(
        actor=actor,
        action=audit.Action.THREAD_SPLIT,
        community=thread.community,
        target=thread,
        reason=reason,
        details={"new_thread": new.pk, "positions": wanted},
    )
    return new


# Reading and drafts ---------------------------------------------------------------------------


def thread_mark_read(*, member: User, thread: Thread, position: int) -> None:
    """Remember that ``member`` has read ``thread`` up to ``position`` (never backwards)."""
    position = min(position, thread.last_position)
    # Read before writing: most views of a thread move nothing, and an UPDATE takes the
    # database's write lock (SQLite) even when it matches no row.
    read = (
        ReadState.objects.filter(member=member, thread=thread)
        .values_list("last_read_position", flat=True)
        .first()
    )
    if read is None:
        ReadState.objects.get_or_create(
            member=member, thread=thread, defaults={"last_read_position": position}
        )
    elif read < position:
        ReadState.objects.filter(
            member=member, thread=thread, last_read_position__lt=position
        ).update(last_read_position=position, updated_at=timezone.now())


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
