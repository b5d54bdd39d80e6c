"""Who may read a moderation notice, appeal, and decide appeals.

(Flagging a post is a rule of the discussions: ``Post "flag"``.)

============  ======================================================================
object        allowed to
============  ======================================================================
entry notice  read a decision: the member it concerns, the community's coordinators
              and administrators (the community's "audit" rule)
entry appeal  the member it concerns, once, while the decision holds (a post still
              hidden, a suspension or silence not lifted)
Appeal view   the appellant, the community's moderators and coordinators, administrators
Appeal decide the community's moderators and coordinators other than the one who took
              the decision, and administrators (silences: administrators only)
============  ======================================================================
"""

from __future__ import annotations

from typing import Any

from guilde.communities.models import Membership, ModerationLogEntry
from guilde.communities.permissions import is_admin, membership_of
from guilde.core.permissions import can, rule
from guilde.discussions.models import HiddenReason, Post
from guilde.moderation.models import Appeal

Action = ModerationLogEntry.Action
APPEALABLE = (
    Action.POST_HIDE,
    Action.AUTO_HIDE,
    Action.POST_REJECT,
    Action.FLAGS_AGREE,
    Action.MEMBER_SUSPEND,
    Action.MEMBER_SILENCE,
)


@rule(ModerationLogEntry, "view", decides_visibility=True)
def can_view_entry(viewer: Any, entry: ModerationLogEntry) -> bool:
    if not viewer.is_authenticated:
        return False
    if entry.member_id == viewer.pk or is_admin(viewer):
        return True
    return entry.community is not None and can(viewer, "audit", entry.community)


def decision_holds(entry: ModerationLogEntry) -> bool:
    """Whether what the entry decided is still in force."""
    if entry.action in (Action.POST_HIDE, Action.AUTO_HIDE, Action.POST_REJECT, Action.FLAGS_AGREE):
        post = (
            Post.objects.filter(pk=entry.target_id or 0).only("hidden_at", "hidden_reason").first()
        )
        return (
            post is not None
            and post.hidden_at is not None
            and post.hidden_reason != HiddenReason.REVIEW
        )
    member = entry.member
    if member is None:
        return False
    if entry.action == Action.MEMBER_SUSPEND and entry.community is not None:
        membership = membership_of(member, entry.community)
        return membership is not None and membership.is_suspended()
    if entry.action == Action.MEMBER_SILENCE:
        return member.is_silenced()
    return False


@rule(ModerationLogEntry, "appeal")
def can_appeal(viewer: Any, entry: ModerationLogEntry) -> bool:
    if (
        not viewer.is_authenticated
        or entry.member_id != viewer.pk
        or entry.action not in APPEALABLE
    ):
        return False
    if Appeal.objects.filter(decision=entry).exists():
        return False
    return decision_holds(entry)


@rule(Appeal, "view", decides_visibility=True)
def can_view_appeal(viewer: Any, appeal: Appeal) -> bool:
    if not viewer.is_authenticated:
        return False
    if appeal.member_id == viewer.pk or is_admin(viewer):
        return True
    return appeal.community is not None and can(viewer, "moderate", appeal.community)


@rule(Appeal, "decide")
def can_decide(viewer: Any, appeal: Appeal) -> bool:
    if appeal.status != Appeal.Status.OPEN or not viewer.is_authenticated:
        return False
    decision = appeal.decision
    if decision.actor_id == viewer.pk or appeal.member_id == viewer.pk:
        return False
    if is_admin(viewer):
        return True
    if appeal.community is None:
        return False
    membership = membership_of(viewer, appeal.community)
    return (
        membership is not None
        and membership.is_active
        and membership.role in (Membership.Role.MODERATOR, Membership.Role.COORDINATOR)
    )
