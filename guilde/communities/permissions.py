"""Who may do what in a community: the rules, registered with the permission framework.

=========  =========================================================================
action     allowed to
=========  =========================================================================
discover   know it exists: anyone for public and private communities; members (also
           pending, also invited-and-joined) and administrators for hidden ones; the
           creator and administrators while it waits for approval; nobody once deleted
view       read its content and members: anyone if public; active members and
           administrators otherwise
post       write in it (threads, replies, reactions, votes): active members (any role),
           while the community is active, unless suspended there or silenced
moderate   act on content and join requests: moderators, coordinators, administrators,
           while active
manage     change its settings, roles, invitations; archive it: coordinators and
           administrators, while active (or waiting for approval)
join       join or ask to join: signed-in people who discover it and are not in it yet,
           when it is active and its joining is open or on request
leave      leave (or withdraw a request): anyone with a membership
audit      read its moderation log: coordinators and administrators
restore    bring an archived community back: coordinators and administrators
delete     administrators
approve    approve a new community: administrators, while it waits
=========  =========================================================================

Administrators are staff accounts. An archived community is read-only for everyone.
"""

from __future__ import annotations

from typing import Any

from guilde.communities.models import Community, Membership
from guilde.core.permissions import rule

_CACHE = "_viewer_memberships"


def membership_of(viewer: Any, community: Community) -> Membership | None:
    """The viewer's membership (active or pending), cached on the community object.

    Selectors that load many communities fill the cache for the whole list in one query
    (see :func:`guilde.communities.selectors.with_viewer_membership`).
    """
    if viewer is None or not viewer.is_authenticated:
        return None
    cache: dict[int, Membership | None] = community.__dict__.setdefault(_CACHE, {})
    if viewer.pk not in cache:
        cache[viewer.pk] = Membership.objects.filter(
            community=community, member_id=viewer.pk
        ).first()
    return cache[viewer.pk]


def remember_membership(community: Community, viewer: Any, membership: Membership | None) -> None:
    if viewer is not None and viewer.is_authenticated:
        community.__dict__.setdefault(_CACHE, {})[viewer.pk] = membership


def is_admin(viewer: Any) -> bool:
    return bool(viewer is not None and viewer.is_authenticated and viewer.is_staff)


def active_role(viewer: Any, community: Community) -> str | None:
    membership = membership_of(viewer, community)
    return membership.role if membership is not None and membership.is_active else None


@rule(Community, "discover")
def can_discover(viewer: Any, community: Community) -> bool:
    if community.status == Community.Status.DELETED:
        return False
    if is_admin(viewer):
        return True
    if community.status == Community.Status.PENDING:
        return bool(viewer.is_authenticated and community.created_by_id == viewer.pk)
    if community.visibility == Community.Visibility.HIDDEN:
        return membership_of(viewer, community) is not None
    return True


@rule(Community, "view", decides_visibility=True)
def can_view(viewer: Any, community: Community) -> bool:
    if not can_discover(viewer, community):
        return False
    if community.visibility == Community.Visibility.PUBLIC or is_admin(viewer):
        return True
    return active_role(viewer, community) is not None


@rule(Community, "post")
def can_post(viewer: Any, community: Community) -> bool:
    if community.status != Community.Status.ACTIVE:
        return False
    membership = membership_of(viewer, community)
    if membership is None or not membership.is_active or membership.is_suspended():
        return False
    return not viewer.is_silenced()


@rule(Community, "moderate")
def can_moderate(viewer: Any, community: Community) -> bool:
    if community.status != Community.Status.ACTIVE:
        return False
    return is_admin(viewer) or active_role(viewer, community) in (
        Membership.Role.MODERATOR,
        Membership.Role.COORDINATOR,
    )


@rule(Community, "manage")
def can_manage(viewer: Any, community: Community) -> bool:
    if community.status not in (Community.Status.ACTIVE, Community.Status.PENDING):
        return False
    if is_admin(viewer):
        return True
    return (
        can_discover(viewer, community)
        and active_role(viewer, community) == Membership.Role.COORDINATOR
    )


@rule(Community, "join")
def can_join(viewer: Any, community: Community) -> bool:
    if not viewer.is_authenticated or community.status != Community.Status.ACTIVE:
        return False
    if not can_discover(viewer, community) or membership_of(viewer, community) is not None:
        return False
    return community.join_policy in (Community.JoinPolicy.OPEN, Community.JoinPolicy.APPROVAL)


@rule(Community, "leave")
def can_leave(viewer: Any, community: Community) -> bool:
    return (
        community.status != Community.Status.DELETED
        and membership_of(viewer, community) is not None
    )


@rule(Community, "audit")
def can_audit(viewer: Any, community: Community) -> bool:
    return is_admin(viewer) or active_role(viewer, community) == Membership.Role.COORDINATOR


@rule(Community, "restore")
def can_restore(viewer: Any, community: Community) -> bool:
    if community.status != Community.Status.ARCHIVED:
        return False
    return is_admin(viewer) or active_role(viewer, community) == Membership.Role.COORDINATOR


@rule(Community, "delete")
def can_delete(viewer: Any, community: Community) -> bool:
    return is_admin(viewer) and community.status != Community.Status.DELETED


@rule(Community, "approve")
def can_approve(viewer: Any, community: Community) -> bool:
    return is_admin(viewer) and community.status == Community.Status.PENDING
