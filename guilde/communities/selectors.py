"""Reads of communities and their members, always through the viewer's eyes."""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.http import Http404
from django.utils.translation import gettext as _

from guilde.accounts.models import User
from guilde.accounts.selectors import MemberProfile, member_profiles, with_profile_relations
from guilde.communities.models import Community, Membership, Tag
from guilde.communities.permissions import is_admin, membership_of, remember_membership
from guilde.core.permissions import can, require

ACTIONS = (
    "view", "post", "moderate", "audit", "manage", "join", "leave", "restore", "delete", "approve"
)  # fmt: skip


def discoverable_q(viewer: Any) -> Q:
    """Communities ``viewer`` may know about (the SQL side of the "discover" rule)."""
    existing = ~Q(status=Community.Status.DELETED)
    if is_admin(viewer):
        return existing
    listed = Q(status__in=[Community.Status.ACTIVE, Community.Status.ARCHIVED]) & ~Q(
        visibility=Community.Visibility.HIDDEN
    )
    if viewer.is_authenticated:
        mine = Exists(Membership.objects.filter(community=OuterRef("pk"), member_id=viewer.pk))
        listed |= Q(status__in=[Community.Status.ACTIVE, Community.Status.ARCHIVED]) & Q(mine)
        listed |= Q(status=Community.Status.PENDING, created_by_id=viewer.pk)
    return existing & listed


def with_viewer_membership(communities: list[Community], viewer: Any) -> list[Community]:
    """Load ``viewer``'s memberships of ``communities`` in one query, for the rules."""
    if not viewer.is_authenticated:
        return communities
    found = {
        m.community_id: m
        for m in Membership.objects.filter(member_id=viewer.pk, community__in=communities)
    }
    for community in communities:
        remember_membership(community, viewer, found.get(community.pk))
    return communities


# Active members of every community, kept in the shared cache and read as
# ``Community.member_count``: counting them on each page (the home page's cards, the
# directory, a community's own page) read every membership of the communities shown (tens
# of milliseconds at 20,000 members). Saving or deleting a membership clears it
# (communities.apps); a bulk update is seen within the minute. A thread keeps what it read
# until its next request begins (a page shows many cards; another process's change shows at
# the next request), or a second outside requests (the worker).
MEMBER_COUNTS_KEY = "communities:active-member-counts"
MEMBER_COUNTS_SECONDS = 60
_MEMO_SECONDS = 1.0
_memo = threading.local()


def active_member_counts() -> dict[int, int]:
    now = time.monotonic()
    kept: tuple[float, dict[int, int]] | None = getattr(_memo, "kept", None)
    if kept is not None and now < kept[0]:
        return kept[1]
    counts: dict[int, int] | None = cache.get(MEMBER_COUNTS_KEY)
    if counts is None:
        counts = dict(
            Membership.objects.filter(status=Membership.Status.ACTIVE)
            .order_by()
            .values_list("community_id")
            .annotate(n=Count("pk"))
            .values_list("community_id", "n")
        )
        cache.set(MEMBER_COUNTS_KEY, counts, MEMBER_COUNTS_SECONDS)
    _memo.kept = (now + _MEMO_SECONDS, counts)
    return counts


def forget_kept_member_counts(**_signal: Any) -> None:
    """This thread reads the shared counts again (at the start of each request)."""
    _memo.kept = None


def forget_member_counts(**_signal: Any) -> None:
    forget_kept_member_counts()
    cache.delete(MEMBER_COUNTS_KEY)


def community_queryset(
    *,
    viewer: Any,
    organisation: str = "",
    language: str = "",
    tag: str = "",
    mine: bool = False,
    search: str = "",
) -> QuerySet[Community]:
    """The directory: communities ``viewer`` may know about, with their active members counted."""
    communities = Community.objects.filter(discoverable_q(viewer))
    if organisation:
        communities = communities.filter(organisations__slug=organisation)
    if language:
        communities = communities.filter(language=language)
    if tag:
        communities = communities.filter(tags__slug=tag)
    if mine:
        if not viewer.is_authenticated:
            return communities.none()
        # Exists, not a join: a join on memberships would also narrow the members counted
        # below to the viewer's own row.
        communities = communities.filter(
            Exists(Membership.objects.filter(community=OuterRef("pk"), member_id=viewer.pk))
        )
    if search:
        communities = communities.filter(Q(name__icontains=search) | Q(domain__icontains=search))
    return communities.distinct().prefetch_related(
        Prefetch("tags", queryset=Tag.objects.order_by("name")),
        "organisations",
    )


@dataclass(frozen=True)
class CommunityCard:
    community: Community
    membership: Membership | None
    unread: int = 0  # threads with posts the viewer has not read (filled by the caller)


def community_cards(
    *, viewer: Any, communities: list[Community], unread: dict[int, int] | None = None
) -> list[CommunityCard]:
    with_viewer_membership(communities, viewer)
    counts = unread or {}
    return [
        CommunityCard(community=c, membership=membership_of(viewer, c), unread=counts.get(c.pk, 0))
        for c in communities
    ]


def community_get(
    *, viewer: Any, slug: str, action: str = "discover", details: bool = True
) -> Community:
    """One community, if ``viewer`` may ``action`` it; 404 for what they may not see.

    ``details``: also its topics, organisations, related communities and member count (its
    own pages show them); pages inside it (a thread, an article) need only the row.
    """
    communities = Community.objects.existing().filter(slug=slug)
    if details:
        communities = communities.prefetch_related(
            Prefetch("tags", queryset=Tag.objects.order_by("name")),
            "organisations",
            Prefetch("related", queryset=Community.objects.existing().order_by("name")),
        )
    # A slice, not .first(): one row by its unique slug needs no ORDER BY.
    community = next(iter(communities[:1]), None)
    if community is None:
        raise Http404
    with_viewer_membership([community], viewer)
    require(viewer, action, community)
    return community


def viewer_permissions(viewer: Any, community: Community) -> dict[str, bool]:
    return {action: can(viewer, action, community) for action in ACTIONS}


def related_visible(viewer: Any, community: Community) -> list[Community]:
    related = list(community.related.all())
    with_viewer_membership(related, viewer)
    return [other for other in related if can(viewer, "discover", other)]


@dataclass(frozen=True)
class MemberRow:
    profile: MemberProfile
    role: str
    role_label: str
    joined_at: Any
    is_newcomer: bool
    steward: bool = False


def membership_queryset(
    community: Community, *, status: str = Membership.Status.ACTIVE
) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(community=community, status=status)
        .select_related("member", "community")
        .order_by("member__display_name", "member__username")
    )


def member_rows(*, viewer: Any, memberships: list[Membership]) -> list[MemberRow]:
    """Members of a page of memberships, their profiles as ``viewer`` sees them."""
    members = list(
        with_profile_relations(User.objects.filter(pk__in=[m.member_id for m in memberships]))
    )
    by_id = {p.id: p for p in member_profiles(viewer=viewer, members=members)}
    return [
        MemberRow(
            profile=by_id[m.member_id],
            role=m.role,
            role_label=str(m.get_role_display()),
            joined_at=m.joined_at,
            is_newcomer=m.is_newcomer(),
            steward=m.steward,
        )
        for m in memberships
    ]


def membership_for(community: Community, username: str, *, status: str) -> Membership:
    """The membership (of ``status``) of ``username`` in ``community``, or a 404."""
    found = (
        Membership.objects.select_related("community", "member")
        .filter(community=community, member__username=username, status=status)
        .first()
    )
    if found is None:
        raise Http404
    return found


def coordinators(community: Community) -> list[Membership]:
    return list(membership_queryset(community).filter(role=Membership.Role.COORDINATOR))


def members_sharing_a_community(
    viewer: User, among: Collection[int] | None = None
) -> QuerySet[Membership, int]:
    """Ids of members who share at least one community with ``viewer`` (both active);
    of ``among`` only, when given."""
    viewer_communities = (
        Membership.objects.filter(member_id=viewer.pk, status=Membership.Status.ACTIVE)
        .exclude(community__status=Community.Status.DELETED)
        .values("community_id")
    )
    # Memberships alone (no join with the members' table): half the time on a large
    # instance, as a condition's subquery.
    found = Membership.objects.filter(
        community_id__in=viewer_communities, status=Membership.Status.ACTIVE
    )
    if among is not None:
        found = found.filter(member_id__in=list(among))
    return found.values_list("member_id", flat=True)


def communities_to_discover(*, viewer: Any, excluding: list[int], limit: int) -> list[Community]:
    """Active communities the viewer may know about and is not in, the liveliest first."""
    found = (
        community_queryset(viewer=viewer)
        .filter(status=Community.Status.ACTIVE)
        .exclude(pk__in=excluding)
    )
    counts = active_member_counts()

    def liveliest(pk: int, name: str) -> tuple[int, str]:
        return (-counts.get(pk, 0), name)

    chosen = sorted(found.values_list("pk", "name"), key=lambda row: liveliest(*row))[:limit]
    rows = found.filter(pk__in=[pk for pk, _name in chosen])
    return sorted(rows, key=lambda c: liveliest(c.pk, c.name))


def my_communities(viewer: Any) -> list[Community]:
    if not viewer.is_authenticated:
        return []
    communities = list(
        community_queryset(viewer=viewer, mine=True)
        .filter(memberships__member_id=viewer.pk, memberships__status=Membership.Status.ACTIVE)
        .order_by("name")
    )
    return with_viewer_membership(communities, viewer)


def tags_named(community: Community, names: Iterable[str], *, limit: int) -> list[Tag]:
    """The community's topics that ``names`` name (by short name or name, any case); a
    ``ValidationError`` for more than ``limit`` or for one the community does not have."""
    wanted = {name.strip().lower() for name in names if name.strip()}
    if len(wanted) > limit:
        raise ValidationError(_("At most %(count)s topics.") % {"count": limit})
    found = [
        t for t in community.tags.all() if t.slug.lower() in wanted or t.name.lower() in wanted
    ]
    if len(found) < len(wanted):
        raise ValidationError(_("Choose topics from the community's list."))
    return found
