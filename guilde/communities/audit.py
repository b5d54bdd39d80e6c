"""Writing the moderation log (``ModerationLogEntry``): one call per moderation action."""

from __future__ import annotations

from typing import Any

from django.db import models

from guilde.accounts.models import User
from guilde.communities.models import Community, ModerationLogEntry
from guilde.core.events import publish

Action = ModerationLogEntry.Action

# Actions the member concerned is told about (a notification linking to the decision,
# with its reason, from which they may appeal).
TELLS_MEMBER = frozenset(
    {
        Action.POST_HIDE,
        Action.AUTO_HIDE,
        Action.POST_RESTORE,
        Action.POST_APPROVE,
        Action.POST_REJECT,
        Action.POST_EDIT,
        Action.FLAGS_AGREE,
        Action.FLAGS_DISAGREE,
        Action.THREAD_LOCK,
        Action.THREAD_CLOSE,
        Action.THREAD_DUPLICATE,
        Action.THREAD_MOVE,
        Action.THREAD_MERGE,
        Action.MEMBER_SUSPEND,
        Action.MEMBER_UNSUSPEND,
        Action.MEMBER_SILENCE,
        Action.MEMBER_UNSILENCE,
        Action.MEMBER_WARN,
        Action.APPEAL_UPHOLD,
        Action.APPEAL_OVERTURN,
    }
)


def _describe(target: models.Model | None) -> tuple[str, int | None, str]:
    """(kind, id, label) of what an action is about; the label outlives the object."""
    if target is None:
        return "", None, ""
    if isinstance(target, User):
        return "member", target.pk, target.name
    kind = target._meta.model_name or ""
    if kind == "post":
        thread = target.thread  # type: ignore[attr-defined]
        return "post", target.pk, f"{thread.title} #{target.position}"[:200]  # type: ignore[attr-defined]
    label = getattr(target, "title", "") or str(target)
    return kind, target.pk, str(label)[:200]


def log(
    *,
    actor: User | None,
    action: str,
    community: Community | None,
    target: models.Model | None = None,
    member: User | None = None,
    reason: str = "",
    details: dict[str, Any] | None = None,
    tell: bool = True,
) -> ModerationLogEntry:
    """Record a moderation action (call it inside the action's transaction); the member it
    concerns is told (``tell``) when the action is one of :data:`TELLS_MEMBER`."""
    target_type, target_id, label = _describe(target)
    if member is None and isinstance(target, User):
        member = target
    entry = ModerationLogEntry.objects.create(
        community=community,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=label,
        member=member,
        reason=reason.strip()[:2000],
        details=details or {},
    )
    if (
        tell
        and member is not None
        and action in TELLS_MEMBER
        and (actor is None or actor.pk != member.pk)
    ):
        publish("moderation.logged", entry_id=entry.pk)
    return entry
