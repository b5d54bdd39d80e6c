"""Members at the edge and at the core of a community, for the onboarding tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from guilde.accounts.models import User
from guilde.accounts.tests.factories import MemberFactory
from guilde.communities.models import Community, Membership
from guilde.discussions import services as discussions
from guilde.discussions.models import Thread


def joined(community: Community, days_ago: float = 1, role: str = "member", **fields: Any) -> User:
    """A member who joined ``community`` ``days_ago`` days ago."""
    member = MemberFactory.create(**fields)
    Membership.objects.create(
        community=community,
        member=member,
        role=role,
        joined_at=timezone.now() - timedelta(days=days_ago),
    )
    return member


def also_in(community: Community, member: User) -> None:
    """``member`` joins ``community`` too (today)."""
    Membership.objects.create(community=community, member=member, joined_at=timezone.now())


def active_member(community: Community, *, where: Thread | None = None, **fields: Any) -> User:
    """A long-standing member who posted in the community just now (so: may be a buddy)."""
    member = joined(community, days_ago=400, **fields)
    if where is None:
        discussions.thread_create(
            actor=member, community=community, kind="discussion", title="Hello", body="Here."
        )
    else:
        discussions.post_create(actor=member, thread=where, body="Welcome!")
    return member
