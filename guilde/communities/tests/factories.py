from __future__ import annotations

from typing import Any

from django.utils import timezone
from factory.declarations import LazyAttribute, Sequence, SubFactory
from factory.django import DjangoModelFactory

from guilde.accounts.models import User
from guilde.accounts.tests.factories import MemberFactory
from guilde.communities.models import Community, Membership


class CommunityFactory(DjangoModelFactory[Community]):
    class Meta:
        model = Community

    name = Sequence(lambda n: f"Community {n}")
    slug = Sequence(lambda n: f"community-{n}")
    domain = LazyAttribute(lambda community: f"What {community.name} is about")


class MembershipFactory(DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    community = SubFactory(CommunityFactory)
    member = SubFactory(MemberFactory)
    joined_at = LazyAttribute(lambda _m: timezone.now())


def member_of(community: Community, role: str = "member", **member_fields: Any) -> User:
    member = MemberFactory.create(**member_fields)
    MembershipFactory.create(community=community, member=member, role=role)
    return member
