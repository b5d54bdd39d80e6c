"""What moderation holds about members (see guilde.accounts.rights)."""

from __future__ import annotations

from typing import Any

from guilde.accounts.models import User
from guilde.accounts.rights import (
    DeletionContext,
    Handling,
    classify,
    exporter,
    on_account_deletion,
)
from guilde.moderation.models import Appeal, Flag

classify(
    "moderation.Flag",
    Handling.OWNED,
    "posts the member flagged (flags on their own posts go with the posts)",
    export_part="flags",
    owner_field="flagger",
)
classify(
    "moderation.Appeal",
    Handling.OWNED,
    "the member's appeals",
    export_part="appeals",
    owner_field="member",
)


@on_account_deletion(order=45)
def forget_moderation(context: DeletionContext) -> None:
    member = context.member
    Flag.objects.filter(flagger=member).delete()
    Flag.objects.filter(resolved_by=member).update(resolved_by=None)
    Appeal.objects.filter(member=member).delete()
    Appeal.objects.filter(decided_by=member).update(decided_by=None)


@exporter("flags")
def export_flags(member: User) -> list[dict[str, Any]]:
    return [
        {
            "id": f.pk,
            "post": f.post_id,
            "reason": f.reason,
            "text": f.text,
            "status": f.status,
            "created_at": f.created_at,
        }
        for f in Flag.objects.filter(flagger=member)
    ]


@exporter("appeals")
def export_appeals(member: User) -> list[dict[str, Any]]:
    return [
        {
            "id": a.pk,
            "message": a.message,
            "status": a.status,
            "outcome": a.outcome,
            "created_at": a.created_at,
        }
        for a in Appeal.objects.filter(member=member)
    ]
