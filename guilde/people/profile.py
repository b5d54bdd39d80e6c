"""A member's expertise as a viewer may see it: topics from the stored evidence of the
communities the viewer reads, declared skills with their level and endorsements (when the
viewer may see the member's skills), and whether the viewer follows them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Prefetch

from guilde.accounts.models import MemberSkill, User
from guilde.accounts.visibility import VisibilityContext
from guilde.people import evidence
from guilde.people.directory import blocked_either_way
from guilde.people.models import Endorsement, Follow, HiddenTopic
from guilde.search.selectors import community_rights

TOPICS_SHOWN = 12
ENDORSERS_SHOWN = 5


@dataclass
class Topic:
    """Evidence on one topic (a tag's short name, summed over the communities read)."""

    slug: str
    name: str
    answers: int = 0
    accepted: int = 0
    upvotes: int = 0
    articles: int = 0
    verified: int = 0
    events: int = 0
    mentored: int = 0
    strength: float = 0.0
    last_at: datetime | None = None
    hidden: bool = False


@dataclass
class SkillView:
    slug: str
    name: str
    level: str
    level_label: str
    endorsements: int
    endorsers: list[User]
    endorsed_by_viewer: bool


@dataclass
class Expertise:
    member: User
    topics: list[Topic] = field(default_factory=list)
    skills: list[SkillView] | None = None  # None: the viewer may not see them
    is_self: bool = False
    following: bool = False
    followers: int = 0
    can_endorse: bool = False


def topics_of(*, viewer: Any, member: User, limit: int = TOPICS_SHOWN) -> list[Topic]:
    """``member``'s strongest topics in the communities ``viewer`` reads; topics the
    member hid are left out, except for themselves (marked hidden)."""
    readable = community_rights(viewer).readable
    hidden = set(HiddenTopic.objects.filter(member=member).values_list("slug", flat=True))
    is_self = viewer.is_authenticated and viewer.pk == member.pk
    found: dict[str, Topic] = {}
    rows = (
        evidence.topics()
        .filter(member=member, tag__community_id__in=readable)
        .values_list(
            "tag__slug",
            "tag__name",
            "answers",
            "accepted",
            "upvotes",
            "articles",
            "verified",
            "events",
            "mentored",
            "strength",
            "last_at",
        )
    )
    for (
        slug,
        name,
        answers,
        accepted,
        upvotes,
        articles,
        verified,
        events,
        mentored,
        strength,
        last_at,
    ) in rows:
        if slug in hidden and not is_self:
            continue
        topic = found.setdefault(slug, Topic(slug=slug, name=name, hidden=slug in hidden))
        topic.answers += answers
        topic.accepted += accepted
        topic.upvotes += upvotes
        topic.articles += articles
        topic.verified += verified
        topic.events += events
        topic.mentored += mentored
        topic.strength += strength
        if last_at and (topic.last_at is None or last_at > topic.last_at):
            topic.last_at = last_at
    return sorted(found.values(), key=lambda t: (-t.strength, t.slug))[:limit]


def skills_of(*, viewer: Any, member: User) -> list[SkillView] | None:
    """Declared skills with level and endorsements, or None when ``viewer`` may not see
    ``member``'s skills. Endorsers ``viewer`` blocked or who blocked them are not named."""
    seen = VisibilityContext.for_members(viewer, [member])
    if not seen.can_see(member, "skills"):
        return None
    blocked = blocked_either_way(viewer)
    declared = (
        MemberSkill.objects.filter(member=member, kind=MemberSkill.Kind.SKILL)
        .select_related("skill")
        .annotate(endorsed=Count("endorsements"))
        .prefetch_related(
            Prefetch(
                "endorsements",
                queryset=Endorsement.objects.select_related("endorser")
                .filter(endorser__deleted_at__isnull=True)
                .exclude(endorser_id__in=blocked)
                .order_by("-created_at"),
            )
        )
        .order_by("-endorsed", "skill__name")
    )
    views = []
    for member_skill in declared:
        endorsements = list(member_skill.endorsements.all())
        views.append(
            SkillView(
                slug=member_skill.skill.slug,
                name=member_skill.skill.name,
                level=member_skill.level,
                level_label=str(member_skill.get_level_display()) if member_skill.level else "",
                endorsements=member_skill.endorsed,
                endorsers=[e.endorser for e in endorsements[:ENDORSERS_SHOWN]],
                endorsed_by_viewer=viewer.is_authenticated
                and any(e.endorser_id == viewer.pk for e in endorsements),
            )
        )
    return views


def expertise_of(*, viewer: Any, member: User) -> Expertise:
    is_self = viewer.is_authenticated and viewer.pk == member.pk
    blocked = member.pk in blocked_either_way(viewer)
    return Expertise(
        member=member,
        topics=topics_of(viewer=viewer, member=member),
        skills=skills_of(viewer=viewer, member=member),
        is_self=is_self,
        following=viewer.is_authenticated
        and Follow.objects.filter(follower_id=viewer.pk, followed=member).exists(),
        followers=Follow.objects.filter(followed=member).count(),
        can_endorse=viewer.is_authenticated and not is_self and not blocked,
    )
