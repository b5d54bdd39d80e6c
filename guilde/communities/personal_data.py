"""What the communities app holds about members (see guilde.accounts.rights)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_noop

from guilde.accounts.models import User
from guilde.accounts.rights import (
    DeletionContext,
    Handling,
    classify,
    exporter,
    on_account_deletion,
)
from guilde.communities.models import (
    Community,
    CommunityInvitation,
    Membership,
    ModerationLogEntry,
)
from guilde.communities.services import _mail

classify("communities.Tag", Handling.NONE, "topics of a community")
classify("communities.CreationPolicy", Handling.NONE, "instance configuration")
classify(
    "communities.Community",
    Handling.CONTRIBUTION,
    "communities the member started: kept with their creator shown as 'deleted member', "
    "or kept without a creator when the member erases their contributions",
    export_part="communities_created",
    owner_field="created_by",
)
classify(
    "communities.Membership", Handling.OWNED, "memberships and requests", export_part="memberships"
)
classify(
    "communities.CommunityInvitation",
    Handling.CUSTOM,
    "invitations to the member's address are deleted; those they sent stay for the invitees, "
    "without their name",
    export_part="community_invitations_sent",
    owner_field="invited_by",
)

classify(
    "communities.ModerationLogEntry",
    Handling.CUSTOM,
    "the moderation log stays the communities' record; the member is no longer named in it, "
    "neither as moderator nor as the one an action concerned",
    export_part="moderation_actions_about_me",
    owner_field="member",
)


@on_account_deletion(order=40)
def leave_every_community(context: DeletionContext) -> None:
    member = context.member
    sole = (
        Community.objects.filter(
            memberships__member=member,
            memberships__role=Membership.Role.COORDINATOR,
            memberships__status=Membership.Status.ACTIVE,
        )
        .exclude(status=Community.Status.DELETED)
        .annotate(
            coordinators=Count(
                "memberships",
                filter=Q(
                    memberships__role=Membership.Role.COORDINATOR,
                    memberships__status=Membership.Status.ACTIVE,
                ),
            )
        )
        .filter(coordinators=1)
    )
    admins = list(User.objects.real().filter(is_staff=True).exclude(pk=member.pk))
    for community in sole:
        link = settings.GUILDE_SITE_URL + reverse("communities:members", args=[community.slug])
        for admin in admins:
            _mail(
                admin,
                gettext_noop("A community lost its last coordinator"),
                "communities/mail/last_coordinator_gone.txt",
                {"community": community, "link": link},
            )
    Membership.objects.filter(member=member).delete()
    ModerationLogEntry.objects.filter(target_type="member", target_id=member.pk).update(
        target_label=""
    )
    ModerationLogEntry.objects.filter(member=member).update(member=None)
    ModerationLogEntry.objects.filter(actor=member).update(actor=None)
    addresses = [value.lower() for value in context.identifiers if "@" in value]
    CommunityInvitation.objects.filter(email__in=addresses).delete()
    CommunityInvitation.objects.filter(accepted_by=member).update(accepted_by=None)
    CommunityInvitation.objects.filter(invited_by=member).update(invited_by=None)
    if not context.keep_contributions:
        Community.objects.filter(created_by=member).update(created_by=None)


@exporter("memberships")
def export_memberships(member: User) -> list[dict[str, Any]]:
    return [
        {
            "id": m.pk,
            "community": m.community.name,
            "role": m.role,
            "status": m.status,
            "message": m.message,
            "requested_at": m.requested_at,
            "joined_at": m.joined_at,
        }
        for m in Membership.objects.filter(member=member).select_related("community")
    ]


@exporter("communities_created")
def export_communities_created(member: User) -> list[dict[str, Any]]:
    return [
        {"id": c.pk, "name": c.name, "slug": c.slug, "created_at": c.created_at}
        for c in Community.objects.filter(created_by=member)
    ]


@exporter("community_invitations_sent")
def export_invitations_sent(member: User) -> list[dict[str, Any]]:
    return [
        {"id": i.pk, "community": i.community.name, "email": i.email, "created_at": i.created_at}
        for i in CommunityInvitation.objects.filter(invited_by=member).select_related("community")
    ]


@exporter("moderation_actions_about_me")
def export_moderation_actions(member: User) -> list[dict[str, Any]]:
    return [
        {
            "id": entry.pk,
            "community": entry.community.name if entry.community else None,
            "action": entry.action,
            "on": entry.target_type,
            "what": entry.target_label,
            "reason": entry.reason,
            "when": entry.created_at,
        }
        for entry in ModerationLogEntry.objects.filter(member=member).select_related("community")
    ]
