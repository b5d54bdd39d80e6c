"""Who may see, organise and take part in events.

==============  ===================================================================
action          allowed to
==============  ===================================================================
create_event    (on a community) members who may post in it
view            those who may view the community: an event's visibility is its
                community's
edit            change, cancel, mark attendance, write notes, capture as knowledge:
                the event's creator and hosts while they may post in the community,
                its moderators and coordinators, administrators
register        answer going / interested / not going: members who may post in the
                community, on an event not cancelled
join_link       see the online join link: those with a seat (not the waitlist), and
                those who may edit the event
feedback        rate it: those who attended or had a seat, once it started
==============  ===================================================================

Hosts and the creator are checked on ``event.roles`` (prefetched by the selectors).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from guilde.communities.models import Community
from guilde.communities.permissions import can_moderate, can_post, can_view
from guilde.core.permissions import rule
from guilde.events.models import Event, EventRole, Registration


@rule(Community, "create_event")
def can_create_event(viewer: Any, community: Community) -> bool:
    return can_post(viewer, community)


@rule(Event, "view", decides_visibility=True)
def can_view_event(viewer: Any, event: Event) -> bool:
    return can_view(viewer, event.community)


def is_host(viewer: Any, event: Event) -> bool:
    if not viewer.is_authenticated:
        return False
    if event.created_by_id == viewer.pk:
        return True
    return any(
        role.member_id == viewer.pk and role.role == EventRole.Role.HOST
        for role in event.roles.all()
    )


@rule(Event, "edit")
def can_edit_event(viewer: Any, event: Event) -> bool:
    community = event.community
    if can_moderate(viewer, community):
        return True
    return is_host(viewer, event) and can_post(viewer, community)


@rule(Event, "register")
def can_register(viewer: Any, event: Event) -> bool:
    return not event.is_cancelled and can_post(viewer, event.community)


def registration_of(viewer: Any, event: Event) -> list[Registration]:
    """The viewer's registrations for ``event`` (a series: one per occurrence), from the
    prefetch the selectors set (``event.viewer_registrations``) or the database."""
    if not viewer.is_authenticated:
        return []
    cached = getattr(event, "viewer_registrations", None)
    if cached is not None:
        return list(cached)
    return list(event.registrations.filter(member=viewer))


@rule(Event, "join_link")
def can_see_join_link(viewer: Any, event: Event) -> bool:
    if not event.online or not can_view_event(viewer, event):
        return False
    if can_edit_event(viewer, event):
        return True
    # A seat on an occurrence not over yet: last week's seat is not this week's.
    now, duration = timezone.now(), event.end - event.start
    return any(
        registration.has_seat
        and (registration.occurrence is None or registration.occurrence + duration > now)
        for registration in registration_of(viewer, event)
    )


@rule(Event, "feedback")
def can_give_feedback(viewer: Any, event: Event) -> bool:
    if not can_view_event(viewer, event) or event.start > timezone.now():
        return False
    return any(
        registration.has_seat or registration.attendance in ("in_person", "online")
        for registration in registration_of(viewer, event)
    )
