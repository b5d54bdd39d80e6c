"""What signing in through a provider does here: affiliation and community roles.

An administrator maps each provider (allauth's ``provider_id``) to an organisation in an
:class:`~guilde.accounts.models.IdentityProvider`; every sign-in through it confirms the
member's affiliation and grants the community roles its group mappings name. Roles are
granted or raised, never lowered or taken away here: a coordinator does that (docs/sso.md).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from guilde.accounts.models import Affiliation, IdentityProvider, IdentityProviderGroupRole, User
from guilde.accounts.sso.claims import claims_of, groups_in

ROLE_RANK: dict[str, int] = {
    IdentityProviderGroupRole.Role.MEMBER: 0,
    IdentityProviderGroupRole.Role.MODERATOR: 1,
    IdentityProviderGroupRole.Role.COORDINATOR: 2,
}


def _rank(role: str) -> int:
    return ROLE_RANK.get(role, 0)


def identity_provider_for(provider_id: str) -> IdentityProvider | None:
    found = IdentityProvider.objects.select_related("organisation").filter(provider_id=provider_id)
    return next(iter(found[:1]), None)


@transaction.atomic
def sso_login_apply(*, member: User, provider_id: str, extra_data: Any) -> None:
    """Confirm ``member``'s affiliation to the provider's organisation; grant group roles."""
    provider = identity_provider_for(provider_id)
    if provider is None:
        return
    affiliation, _created = Affiliation.objects.get_or_create(
        member=member, organisation=provider.organisation
    )
    # An administrator's confirmation stays theirs; any other becomes the provider's.
    if affiliation.confirmed_by not in (
        Affiliation.Confirmation.ADMIN,
        Affiliation.Confirmation.SSO,
    ):
        affiliation.confirmed_by = Affiliation.Confirmation.SSO
        affiliation.save(update_fields=["confirmed_by"])
    groups = groups_in(claims_of(extra_data), provider.groups_claim)
    if groups:
        _grant_roles(member, provider, groups)


def _wanted_roles(provider: IdentityProvider, groups: set[str]) -> dict[int, str]:
    """The highest role each community's mappings give for ``groups``, by community id."""
    wanted: dict[int, str] = {}
    for mapping in IdentityProviderGroupRole.objects.filter(provider=provider, group__in=groups):
        current = wanted.get(mapping.community_id)
        if current is None or _rank(mapping.role) > _rank(current):
            wanted[mapping.community_id] = mapping.role
    return wanted


def _grant_roles(member: User, provider: IdentityProvider, groups: set[str]) -> None:
    # accounts imports no domain app at module level (ARCHITECTURE.md): the mappings name
    # communities, so their memberships are written here, lazily, and only here.
    from guilde.communities.models import Community, Membership

    wanted = _wanted_roles(provider, groups)
    if not wanted:
        return
    now = timezone.now()
    existing = {
        membership.community_id: membership
        for membership in Membership.objects.filter(member=member, community_id__in=wanted)
    }
    usable = set(
        Community.objects.filter(pk__in=wanted)
        .exclude(status=Community.Status.DELETED)
        .values_list("pk", flat=True)
    )
    for community_id, role in wanted.items():
        if community_id not in usable:
            continue
        membership = existing.get(community_id)
        if membership is None:
            Membership.objects.create(
                community_id=community_id,
                member=member,
                role=role,
                status=Membership.Status.ACTIVE,
                joined_at=now,
            )
            continue
        fields = []
        if not membership.is_active:
            membership.status = Membership.Status.ACTIVE
            membership.joined_at = now
            fields += ["status", "joined_at"]
        if _rank(role) > _rank(membership.role):
            membership.role = role
            fields.append("role")
        if fields:
            membership.save(update_fields=fields)
