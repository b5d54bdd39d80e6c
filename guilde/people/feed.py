"""A member's feed: what the members they follow did, as far as the member may see it —
threads started and replies in the communities they read, articles published there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from guilde.accounts.models import Organisation, User
from guilde.accounts.visibility import visible_q
from guilde.communities.models import Community, Membership
from guilde.discussions.models import Post
from guilde.knowledge.models import Article
from guilde.people.directory import blocked_either_way
from guilde.people.models import Follow
from guilde.search.selectors import community_rights

LIMIT = 30


@dataclass(frozen=True)
class Activity:
    kind: str  # thread | reply | article
    actor: User
    at: datetime
    title: str
    url: str
    community: str


def followed(*, viewer: User) -> list[User]:
    return [
        f.followed
        for f in Follow.objects.filter(follower=viewer)
        .exclude(followed_id__in=blocked_either_way(viewer))
        .select_related("followed")
        .order_by("followed__display_name", "followed__username")
    ]


def feed(*, viewer: User, limit: int = LIMIT) -> list[Activity]:
    """The latest ``limit`` things the members ``viewer`` follows did that ``viewer`` may
    see, newest first."""
    following = (
        Follow.objects.filter(follower=viewer)
        .exclude(followed_id__in=blocked_either_way(viewer))
        .values("followed_id")
    )
    return activities(viewer=viewer, authors=following, limit=limit)


@dataclass(frozen=True)
class OrganisationActivity:
    communities: list[Community]
    contributions: list[Activity]


def organisation_activity(
    *, viewer: Any, organisation: Organisation, limit: int = LIMIT
) -> OrganisationActivity:
    """What members who show ``viewer`` their affiliation to ``organisation`` did lately
    where ``viewer`` may see it, and the communities ``viewer`` reads where they take part."""
    members = (
        User.objects.real()
        .filter(visible_q(viewer, "organisations"), affiliations__organisation=organisation)
        .exclude(pk__in=blocked_either_way(viewer))
        .values("pk")
    )
    communities = list(
        Community.objects.filter(
            pk__in=community_rights(viewer).readable,
            memberships__member__in=members,
            memberships__status=Membership.Status.ACTIVE,
        )
        .distinct()
        .order_by("name")
    )
    return OrganisationActivity(
        communities, activities(viewer=viewer, authors=members, limit=limit)
    )


def activities(*, viewer: Any, authors: QuerySet[Any], limit: int = LIMIT) -> list[Activity]:
    """The latest posts and articles by ``authors`` (a query of member ids) that ``viewer``
    may see, newest first."""
    readable = community_rights(viewer).readable
    posts = (
        Post.objects.visible()
        .filter(
            author_id__in=authors,
            thread__community_id__in=readable,
            thread__deleted_at__isnull=True,
            thread__hidden_at__isnull=True,
        )
        .select_related("author", "thread", "thread__community")
        .order_by("-created_at")[:limit]
    )
    articles = (
        Article.objects.public()
        .filter(created_by_id__in=authors, community_id__in=readable)
        .select_related("created_by", "community")
        .order_by("-created_at")[:limit]
    )
    found = [
        Activity(
            kind="thread" if post.position == 1 else "reply",
            actor=post.author,  # type: ignore[arg-type]
            at=post.created_at,
            title=post.thread.title,
            url=post.thread.get_absolute_url(),
            community=post.thread.community.name,
        )
        for post in posts
    ] + [
        Activity(
            kind="article",
            actor=article.created_by,  # type: ignore[arg-type]
            at=article.created_at,
            title=article.title,
            url=article.get_absolute_url(),
            community=article.community.name,
        )
        for article in articles
    ]
    return sorted(found, key=lambda a: a.at, reverse=True)[:limit]
