"""Notifications: who is told what, checked against what they may see.

Visibility is checked when a notification is created, and again when it is shown, mailed
or put in a digest: a member who left a community or lost access gets nothing from it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guilde.accounts.models import Block, User
from guilde.communities.models import Community, Tag
from guilde.communities.selectors import with_viewer_membership
from guilde.core.events import current_event
from guilde.core.permissions import can
from guilde.discussions.models import Post, Thread
from guilde.notifications.models import (
    EmailAddressStatus,
    EmailPreference,
    Frequency,
    Kind,
    Level,
    Notification,
    NotificationSettings,
    Subscription,
)

# How long an "immediately" notification waits, so that several about one thread leave
# in one mail.
EMAIL_GROUPING_WINDOW = timedelta(minutes=2)
DEFAULT_FREQUENCY: dict[str, str] = {
    Kind.MENTION: Frequency.IMMEDIATELY,
    Kind.REPLY: Frequency.IMMEDIATELY,
    Kind.ANSWER: Frequency.IMMEDIATELY,
    Kind.ANSWER_REQUEST: Frequency.IMMEDIATELY,
    Kind.ACCEPTED: Frequency.IMMEDIATELY,
    Kind.REACTION: Frequency.NEVER,
    Kind.WATCHED_POST: Frequency.DAILY,
    Kind.WATCHED_THREAD: Frequency.DAILY,
    Kind.MEMBERSHIP: Frequency.IMMEDIATELY,
    Kind.INVITATION: Frequency.IMMEDIATELY,
    Kind.JOIN_REQUEST: Frequency.IMMEDIATELY,
    Kind.MESSAGE: Frequency.IMMEDIATELY,
    Kind.MODERATION: Frequency.IMMEDIATELY,
    Kind.FLAG_OUTCOME: Frequency.NEVER,
    Kind.KNOWLEDGE: Frequency.DAILY,
    Kind.EVENT: Frequency.IMMEDIATELY,
    Kind.MENTORING: Frequency.IMMEDIATELY,
    Kind.ONBOARDING: Frequency.IMMEDIATELY,
    Kind.WEBHOOK: Frequency.IMMEDIATELY,
}
HARD_BOUNCES_BEFORE_STOPPING = 3


# Preferences ------------------------------------------------------------------------------


def frequencies(member: User) -> dict[str, str]:
    """Each kind's e-mail frequency for ``member`` (their choice, else the default)."""
    chosen = dict(EmailPreference.objects.filter(member=member).values_list("kind", "frequency"))
    return {kind: chosen.get(kind, default) for kind, default in DEFAULT_FREQUENCY.items()}


def frequency_set(*, member: User, kind: str, frequency: str) -> None:
    if kind not in Kind.values or frequency not in Frequency.values:
        raise ValidationError(_("Unknown kind or frequency."))
    EmailPreference.objects.update_or_create(
        member=member, kind=kind, defaults={"frequency": frequency}
    )


def digests_stop(*, member: User) -> None:
    """The digest's unsubscribe link: no more digests, neither of the communities nor of
    the notifications that were waiting for one."""
    for kind, frequency in frequencies(member).items():
        if frequency in (Frequency.DAILY, Frequency.WEEKLY):
            frequency_set(member=member, kind=kind, frequency=Frequency.NEVER)
    NotificationSettings.objects.update_or_create(
        member=member, defaults={"digest": Frequency.NEVER}
    )


def settings_for(member: User) -> NotificationSettings:
    found, _created = NotificationSettings.objects.get_or_create(member=member)
    return found


# Subscriptions -----------------------------------------------------------------------------


Target = Thread | Community | Tag


def _target_field(target: Target) -> str:
    if isinstance(target, Thread):
        return "thread"
    if isinstance(target, Community):
        return "community"
    return "tag"


def _target_community(target: Target) -> Community:
    return target if isinstance(target, Community) else target.community


@transaction.atomic
def subscription_set(
    *, member: User, target: Target, level: str | None, automatic: bool = False
) -> Subscription | None:
    """Watch, track or mute a thread, a community or a tag; ``None`` removes the choice.

    An automatic subscription (watching a thread one wrote in) never overrides a choice
    the member made.
    """
    if not can(member, "view", target if isinstance(target, Thread) else _target_community(target)):
        raise ValidationError(_("You cannot follow what you cannot read."))
    field = _target_field(target)
    existing = Subscription.objects.filter(member=member, **{field: target}).first()
    if level is None:
        if existing is not None:
            existing.delete()
        return None
    if level not in Level.values:
        raise ValidationError(_("Unknown level."))
    if existing is not None:
        if automatic and not existing.automatic:
            return existing
        existing.level = level
        existing.automatic = automatic
        existing.save(update_fields=["level", "automatic"])
        return existing
    try:
        with transaction.atomic():
            return Subscription.objects.create(
                member=member, level=level, automatic=automatic, **{field: target}
            )
    except IntegrityError:
        return Subscription.objects.filter(member=member, **{field: target}).first()


def level_for(member: User, thread: Thread) -> str | None:
    """The member's level for a thread: the thread's own, else its tags', else its community's."""
    subscriptions = list(
        Subscription.objects.filter(member=member).filter(
            Q(thread=thread) | Q(tag__in=thread.tags.all()) | Q(community_id=thread.community_id)
        )
    )
    for field in ("thread", "tag", "community"):
        levels = [s.level for s in subscriptions if getattr(s, f"{field}_id")]
        if Level.MUTE in levels and field == "thread":
            return Level.MUTE
        if levels:
            return Level.WATCH if Level.WATCH in levels else levels[0]
    return None


def thread_watchers(thread: Thread) -> list[User]:
    """Members watching the thread itself (not muting it)."""
    return list(
        User.objects.filter(
            subscriptions__thread=thread, subscriptions__level=Level.WATCH
        ).distinct()
    )


def new_thread_watchers(thread: Thread) -> list[User]:
    """Members watching the thread's community or one of its tags, who did not mute it."""
    muted = Subscription.objects.filter(thread=thread, level=Level.MUTE).values("member_id")
    return list(
        User.objects.filter(
            Q(subscriptions__community_id=thread.community_id, subscriptions__level=Level.WATCH)
            | Q(subscriptions__tag__in=thread.tags.all(), subscriptions__level=Level.WATCH)
        )
        .exclude(pk__in=muted)
        .distinct()
    )


# Creating notifications --------------------------------------------------------------------


def may_see(
    recipient: User,
    *,
    thread: Thread | None = None,
    post: Post | None = None,
    community: Community | None = None,
) -> bool:
    """Whether ``recipient`` may see what a notification is about (checked at every step)."""
    if not recipient.is_active or recipient.deleted_at is not None or recipient.is_placeholder:
        return False
    if post is not None:
        with_viewer_membership([post.thread.community], recipient)
        return can(recipient, "read", post)
    if thread is not None:
        with_viewer_membership([thread.community], recipient)
        return can(recipient, "view", thread)
    if community is not None:
        with_viewer_membership([community], recipient)
        return can(recipient, "discover", community)
    return True


def blocked(recipient: User, actor: User | None) -> bool:
    return actor is not None and Block.objects.filter(blocker=recipient, blocked=actor).exists()


@transaction.atomic
def notify(
    *,
    recipient: User,
    kind: str,
    actor: User | None = None,
    community: Community | None = None,
    thread: Thread | None = None,
    post: Post | None = None,
    data: dict[str, Any] | None = None,
    batch_key: str = "",
    check_visibility: bool = True,
) -> Notification | None:
    """Tell ``recipient`` — unless it is the actor, they blocked the actor, or they may not
    see what it is about. A ``batch_key`` folds repeats into the unread notification."""
    if actor is not None and recipient.pk == actor.pk:
        return None
    if blocked(recipient, actor):
        return None
    if check_visibility and not may_see(recipient, thread=thread, post=post, community=community):
        return None
    if thread is not None and level_for(recipient, thread) == Level.MUTE and kind != Kind.MENTION:
        return None
    event = current_event()
    if event and (
        made := Notification.objects.filter(recipient=recipient, kind=kind, event=event).first()
    ):
        return made  # the event's handlers run again (a retry, a worker killed): told once
    now = timezone.now()
    frequency = frequencies(recipient)[kind]
    due = now + EMAIL_GROUPING_WINDOW if frequency == Frequency.IMMEDIATELY else None
    if batch_key:
        open_batch = (
            Notification.objects.select_for_update(no_key=True)
            .filter(recipient=recipient, batch_key=batch_key, read_at__isnull=True)
            .first()
        )
        if open_batch is not None:
            merged = {**open_batch.data, **(data or {})}
            merged["count"] = int(open_batch.data.get("count", 1)) + 1
            open_batch.data = merged
            open_batch.actor = actor
            open_batch.updated_at = now
            open_batch.event = event
            open_batch.save(update_fields=["data", "actor", "updated_at", "event"])
            return open_batch
    return Notification.objects.create(
        recipient=recipient,
        kind=kind,
        actor=actor,
        community=community or (thread.community if thread else None),
        thread=thread or (post.thread if post else None),
        post=post,
        data={"count": 1, **(data or {})},
        batch_key=batch_key,
        event=event,
        created_at=now,
        updated_at=now,
        email_due_at=due,
    )


# Reading ------------------------------------------------------------------------------------


def mark_read(*, member: User, notification_ids: list[int] | None = None) -> int:
    """Mark some (or all) of the member's notifications read; returns how many."""
    unread = Notification.objects.filter(recipient=member, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())


def batch_read(*, member: User, batch_key: str) -> int:
    """Mark read the member's open notification of a batch (e.g. a conversation they opened)."""
    return Notification.objects.filter(
        recipient=member, batch_key=batch_key, read_at__isnull=True
    ).update(read_at=timezone.now())


# Delivery failures ---------------------------------------------------------------------------


@transaction.atomic
def delivery_report(*, email: str, kind: str, description: str = "") -> EmailAddressStatus:
    """Record a bounce or a complaint; after repeated hard bounces (or one complaint),
    stop mailing the address — the member is told in the interface."""
    if kind not in ("hard", "soft", "complaint"):
        raise ValidationError(_("A report is a hard bounce, a soft bounce or a complaint."))
    validate_email(email.strip())
    status, _created = EmailAddressStatus.objects.select_for_update(no_key=True).get_or_create(
        email=email.strip().lower()
    )
    now = timezone.now()
    if kind == "hard":
        status.hard_bounces += 1
    elif kind == "soft":
        status.soft_bounces += 1
    else:
        status.complaints += 1
    status.last_report_at = now
    if status.suppressed_at is None and (
        status.hard_bounces >= HARD_BOUNCES_BEFORE_STOPPING or status.complaints
    ):
        status.suppressed_at = now
        status.reason = description[:200] or kind
    status.save()
    return status


def mail_stopped(email: str) -> bool:
    return (
        bool(email)
        and EmailAddressStatus.objects.filter(
            email=email.lower(), suppressed_at__isnull=False
        ).exists()
    )


def mail_resume(*, member: User) -> None:
    """The member fixed their address: try again."""
    EmailAddressStatus.objects.filter(email=member.email.lower()).update(
        suppressed_at=None, hard_bounces=0, complaints=0
    )
