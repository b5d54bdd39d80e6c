"""The member directory: members filtered by what the viewer may see of them.

Every filter on a profile field requires that field to be visible to the viewer (a filter
on a hidden field would reveal it); the community filter lists the members of a community
the viewer reads; members the viewer blocked, or who blocked the viewer, are left out.
"""

from __future__ import annotations

import functools
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from guilde.accounts.models import Block, User
from guilde.accounts.selectors import member_queryset
from guilde.accounts.visibility import Viewer
from guilde.communities.models import Community, Membership
from guilde.core.zones import known_zones
from guilde.search.selectors import community_rights

MAX_HOURS_APART = 12


@dataclass(frozen=True)
class DirectoryFilters:
    q: str = ""
    organisation: str = ""
    skill: str = ""
    interest: str = ""
    community: str = ""
    language: str = ""
    # Members whose time zone is, right now, at most ``hours_apart`` from ``time_zone``.
    time_zone: str = ""
    hours_apart: int = 0
    open_to_questions: bool | None = None
    open_to_mentor: bool | None = None


@functools.lru_cache(maxsize=256)
def _zones_near(time_zone: str, hours_apart: int, hour: datetime) -> tuple[str, ...]:
    def offset(name: str) -> timedelta:
        return hour.astimezone(zoneinfo.ZoneInfo(name)).utcoffset() or timedelta()

    centre = offset(time_zone)
    gap = timedelta(hours=hours_apart)
    return tuple(sorted(name for name in known_zones() if abs(offset(name) - centre) <= gap))


def zones_near(time_zone: str, hours_apart: int = 0) -> list[str]:
    """The time zones whose offset from UTC is, this hour, within ``hours_apart`` hours of
    ``time_zone``'s (itself included); none for an unknown zone."""
    if time_zone not in known_zones():
        return []
    hour = timezone.now().astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return list(_zones_near(time_zone, max(0, min(hours_apart, MAX_HOURS_APART)), hour))


def blocked_either_way(viewer: Viewer) -> set[int]:
    """Members ``viewer`` blocked or who blocked ``viewer``."""
    if not viewer.is_authenticated:
        return set()
    found: set[int] = set()
    for blocker, blocked in Block.objects.filter(
        Q(blocker_id=viewer.pk) | Q(blocked_id=viewer.pk)
    ).values_list("blocker_id", "blocked_id"):
        found.update({blocker, blocked} - {viewer.pk})
    return found


def directory(*, viewer: Viewer, filters: DirectoryFilters) -> QuerySet[User]:
    """The directory for ``viewer`` with ``filters``, by name."""
    members = member_queryset(
        viewer=viewer,
        search=filters.q,
        organisation=filters.organisation,
        skill=filters.skill,
        interest=filters.interest,
        language=filters.language,
        time_zones=zones_near(filters.time_zone, filters.hours_apart)
        if filters.time_zone
        else None,
        open_to_questions=filters.open_to_questions,
        open_to_mentor=filters.open_to_mentor,
    )
    if filters.community:
        readable = community_rights(viewer).readable
        community = Community.objects.filter(slug=filters.community, pk__in=readable).first()
        members = members.filter(
            pk__in=Membership.objects.filter(
                community=community, status=Membership.Status.ACTIVE
            ).values("member_id")
        )
    blocked = blocked_either_way(viewer)
    if blocked:
        members = members.exclude(pk__in=blocked)
    return members.order_by("display_name", "username")
