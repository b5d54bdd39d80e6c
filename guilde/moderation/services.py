"""Flags, decisions from the queue, warnings, silences and appeals.

Every action goes through :mod:`guilde.communities.audit`, which records it and tells the
member it concerns; hiding, restoring and thread actions are the discussions' services.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guilde.accounts.models import User
from guilde.communities import audit
from guilde.communities import services as communities
from guilde.communities.models import Community, Membership, ModerationLogEntry
from guilde.core.events import publish
from guilde.core.permissions import require
from guilde.discussions import services as discussions
from guilde.discussions.models import HiddenReason, Post
from guilde.moderation.models import Appeal, Flag

Action = ModerationLogEntry.Action


# Flags -------------------------------------------------------------------------------------


@transaction.atomic
def flag_create(*, actor: User, post: Post, reason: str, text: str = "") -> Flag:
    """Flag a post for the moderators. Enough flags that say the post is off-topic,
    inappropriate or spam hide it until a moderator looks (the community's threshold)."""
    require(actor, "flag", post)
    if reason not in Flag.Reason.values:
        raise ValidationError(_("Choose a reason."))
    if reason in (Flag.Reason.OTHER, Flag.Reason.ATTENTION) and not text.strip():
        raise ValidationError(_("Tell the moderators what is wrong."))
    try:
        with transaction.atomic():
            flag = Flag.objects.create(
                post=post, flagger=actor, reason=reason, text=text.strip()[:1000]
            )
    except IntegrityError as error:
        raise ValidationError(_("You already flagged this post; a moderator will look.")) from error
    _hide_when_flagged_enough(post)
    return flag


def _hide_when_flagged_enough(post: Post) -> None:
    threshold = post.thread.community.flag_threshold
    if not threshold or not post.is_visible:
        return
    flaggers = (
        Flag.objects.filter(post=post, status=Flag.Status.OPEN, reason__in=Flag.HIDING_REASONS)
        .values("flagger")
        .distinct()
        .count()
    )
    if flaggers >= threshold:
        discussions.hide_by_flags(post)
        audit.log(
            actor=None,
            action=Action.AUTO_HIDE,
            community=post.thread.community,
            target=post,
            member=post.author,
            details={"flags": flaggers},
        )


@transaction.atomic
def flags_resolve(*, actor: User, post: Post, agree: bool, reason: str = "") -> int:
    """Decide on a post's open flags: agree (the post is hidden) or disagree (a post the
    flags hid comes back). Flaggers learn the outcome. Returns how many flags were decided."""
    require(actor, "hide", post)
    flags = list(
        Flag.objects.select_for_update(no_key=True).filter(post=post, status=Flag.Status.OPEN)
    )
    if not flags:
        raise ValidationError(_("Nothing waits for a decision on this post."))
    if agree and post.hidden_reason != HiddenReason.MODERATOR:
        discussions.post_hide(actor=actor, post=post, reason=reason)
    elif not agree and post.hidden_reason == HiddenReason.FLAGS:
        discussions.post_restore(actor=actor, post=post, reason=reason)
    now = timezone.now()
    status = Flag.Status.AGREED if agree else Flag.Status.DISAGREED
    Flag.objects.filter(pk__in=[f.pk for f in flags]).update(
        status=status, resolved_by=actor, resolved_at=now
    )
    audit.log(
        actor=actor,
        action=Action.FLAGS_AGREE if agree else Action.FLAGS_DISAGREE,
        community=post.thread.community,
        target=post,
        member=post.author,
        reason=reason,
        details={"flags": len(flags), "reasons": sorted({f.reason for f in flags})},
        tell=False,  # hiding or restoring already told the author
    )
    publish("flags.resolved", post_id=post.pk, flag_ids=[f.pk for f in flags])
    return len(flags)


@transaction.atomic
def held_post_decide(*, actor: User, post: Post, approve: bool, reason: str = "") -> Post:
    """Approve a post held for review (it appears, and is announced), or turn it down."""
    if post.hidden_reason != HiddenReason.REVIEW:
        raise ValidationError(_("This post is not waiting for review."))
    if approve:
        return discussions.post_restore(actor=actor, post=post, reason=reason)
    return discussions.post_reject(actor=actor, post=post, reason=reason)


# Members ----------------------------------------------------------------------------------


@transaction.atomic
def warn(*, actor: User, community: Community, member: User, message: str) -> ModerationLogEntry:
    """A private warning: the member reads it; coordinators see it in the log."""
    require(actor, "moderate", community)
    if member.pk == actor.pk:
        raise ValidationError(_("You cannot do this to yourself."))
    if not Membership.objects.filter(community=community, member=member).exists():
        raise ValidationError(_("This person is not a member of the community."))
    if not message.strip():
        raise ValidationError(_("Write the warning."))
    return audit.log(
        actor=actor, action=Action.MEMBER_WARN, community=community, target=member, reason=message
    )


@transaction.atomic
def member_silence(*, actor: User, member: User, until: datetime | None, reason: str) -> User:
    """Administrators silence a member everywhere: they read, but write nothing."""
    if not actor.is_staff:
        raise PermissionDenied(_("Only administrators silence members."))
    if member.pk == actor.pk:
        raise ValidationError(_("You cannot do this to yourself."))
    if not reason.strip():
        raise ValidationError(_("Say why: the member will read it."))
    now = timezone.now()
    if until is not None and until <= now:
        raise ValidationError(_("A silence ends in the future."))
    member.silenced_at, member.silenced_until = now, until
    member.silence_reason = reason.strip()[:2000]
    member.save(update_fields=["silenced_at", "silenced_until", "silence_reason"])
    audit.log(
        actor=actor,
        action=Action.MEMBER_SILENCE,
        community=None,
        target=member,
        reason=reason,
        details={"until": until.isoformat() if until else None},
    )
    return member


@transaction.atomic
def member_unsilence(*, actor: User, member: User, reason: str = "") -> User:
    if not actor.is_staff:
        raise PermissionDenied(_("Only administrators silence members."))
    if member.silenced_at is None:
        raise ValidationError(_("This member is not silenced."))
    member.silenced_at = member.silenced_until = None
    member.silence_reason = ""
    member.save(update_fields=["silenced_at", "silenced_until", "silence_reason"])
    audit.log(
        actor=actor, action=Action.MEMBER_UNSILENCE, community=None, target=member, reason=reason
    )
    return member


# Appeals ----------------------------------------------------------------------------------


@transaction.atomic
def appeal_create(*, actor: User, decision: ModerationLogEntry, message: str) -> Appeal:
    """Appeal a decision about oneself, once, with a message."""
    require(actor, "appeal", decision)
    if not message.strip():
        raise ValidationError(_("Explain why the decision should change."))
    try:
        with transaction.atomic():
            return Appeal.objects.create(
                decision=decision,
                community=decision.community,
                member=actor,
                message=message.strip()[:4000],
            )
    except IntegrityError as error:
        raise ValidationError(_("You already appealed this decision.")) from error


@transaction.atomic
def appeal_decide(*, actor: User, appeal: Appeal, overturn: bool, outcome: str) -> Appeal:
    """Someone other than who decided upholds the decision or overturns it (undoing it)."""
    require(actor, "decide", appeal)
    if not outcome.strip():
        raise ValidationError(_("Explain the decision: the member will read it."))
    decision = appeal.decision
    if overturn:
        _undo(actor, decision, outcome)
    appeal.status = Appeal.Status.OVERTURNED if overturn else Appeal.Status.UPHELD
    appeal.decided_by, appeal.decided_at, appeal.outcome = (
        actor,
        timezone.now(),
        outcome.strip()[:4000],
    )
    appeal.save(update_fields=["status", "decided_by", "decided_at", "outcome"])
    audit.log(
        actor=actor,
        action=Action.APPEAL_OVERTURN if overturn else Action.APPEAL_UPHOLD,
        community=appeal.community,
        target=appeal.member,
        reason=outcome,
        details={"appeal": appeal.pk, "decision": decision.pk, "decision_action": decision.action},
    )
    return appeal


def _undo(actor: User, decision: ModerationLogEntry, reason: str) -> None:
    """Reverse what ``decision`` did, if it still holds."""
    member = decision.member
    if decision.target_type == "post":
        post = (
            Post.objects.select_related("thread__community")
            .filter(pk=decision.target_id or 0)
            .first()
        )
        if post is not None and post.hidden_at is not None:
            discussions.post_restore(actor=actor, post=post, reason=reason)
    elif member is not None and decision.action == Action.MEMBER_SUSPEND and decision.community:
        membership = Membership.objects.filter(community=decision.community, member=member).first()
        if membership is not None and membership.suspended_at is not None:
            communities.membership_unsuspend(actor=actor, membership=membership, reason=reason)
    elif member is not None and decision.action == Action.MEMBER_SILENCE and member.silenced_at:
        member_unsilence(actor=actor, member=member, reason=reason)
