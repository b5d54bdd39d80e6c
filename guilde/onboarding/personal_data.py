"""What the onboarding app holds about members (see guilde.accounts.rights).

The checklist is not stored (it is computed from the member's activity), so only the
buddies and the name of whoever last changed a community's welcome are personal.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from guilde.accounts.models import User
from guilde.accounts.rights import (
    DeletionContext,
    Handling,
    classify,
    exporter,
    on_account_deletion,
)
from guilde.onboarding.models import Buddy, Onboarding

classify(
    "onboarding.Onboarding",
    Handling.CONTRIBUTION,
    "a community's welcome the member last changed: the community's, kept without their name",
    export_part="onboarding_changed",
    owner_field="updated_by",
)
classify(
    "onboarding.Buddy",
    Handling.CUSTOM,
    "buddies suggested to the member, and those they were suggested as, go with the account",
    export_part="buddies",
    owner_field="newcomer",
)


@on_account_deletion(order=77)
def forget_onboarding(context: DeletionContext) -> None:
    member = context.member
    Buddy.objects.filter(Q(newcomer=member) | Q(buddy=member)).delete()
    # The welcome belongs to its community: it stays, without who wrote it.
    Onboarding.objects.filter(updated_by=member).update(updated_by=None)


@exporter("onboarding_changed")
def export_onboarding(member: User) -> list[dict[str, Any]]:
    return [
        {
            "id": o.pk,
            "community": o.community.slug,
            "welcome": o.welcome,
            "updated_at": o.updated_at.isoformat(),
        }
        for o in Onboarding.objects.filter(updated_by=member).select_related("community")
    ]


@exporter("buddies")
def export_buddies(member: User) -> list[dict[str, Any]]:
    """Buddies suggested to the member (their answer)."""
    return [
        {
            "id": b.pk,
            "community": b.community.slug,
            "buddy": b.buddy.username,
            "status": b.status,
            "suggested_at": b.created_at.isoformat(),
            "answered_at": b.answered_at.isoformat() if b.answered_at else None,
        }
        for b in Buddy.objects.filter(newcomer=member).select_related("community", "buddy")
    ]


@exporter("buddy_of")
def export_buddy_of(member: User) -> list[dict[str, Any]]:
    """Newcomers who chose the member as their buddy (suggestions they did not take up
    are the newcomers' business, as on the pages)."""
    return [
        {
            "community": b.community.slug,
            "newcomer": b.newcomer.username,
            "since": b.answered_at.isoformat() if b.answered_at else None,
        }
        for b in Buddy.objects.filter(buddy=member, status=Buddy.Status.ACCEPTED).select_related(
            "community", "newcomer"
        )
    ]
