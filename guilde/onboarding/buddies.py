"""Which member to suggest as a newcomer's buddy: who may be one, and in what order.

Who may be a buddy in a community (:func:`possible`): an active member who can sign in,
not suspended there nor silenced, not a newcomer themself, not the newcomer, and with no
block between the two either way. Among them, candidates (:func:`candidates`) were active
in the community in the last :data:`ACTIVE_DAYS` days (a visible post, an article
revision, an answer to an event) and were never suggested to this newcomer before (a
declined buddy is never suggested again).

The ranking (:attr:`Candidate.score`, ties broken by the longest membership, then the
oldest account): a shared spoken language first (+12, more than everything else
together), then +2 for each shared skill, interest or learning goal (at most 3 counted),
+2 for a time zone at most an hour away (+1 within three hours), +2 for "open to
mentoring", +1 for "open to questions", and −1 for each newcomer they already buddy in
the community (at most −3), so that suggestions spread. A candidate's field counts only
if they let members of their communities see it; the newcomer's own fields all count.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from guilde.accounts.models import Block, MemberLanguage, MemberSkill, User, Visibility
from guilde.communities.models import Community, Membership
from guilde.discussions.models import Post
from guilde.events.models import Registration
from guilde.knowledge.models import ArticleRevision
from guilde.onboarding.models import Buddy

ACTIVE_DAYS = 30
LANGUAGE_POINTS = 12
TERM_POINTS, MOST_TERMS = 2, 3
MOST_LOAD = 3


@dataclass(frozen=True)
class Candidate:
    """A possible buddy and what they share with the newcomer."""

    member_id: int
    joined_at: datetime
    shared_languages: int = 0
    shared_terms: int = 0
    hours_apart: float | None = None  # None: a zone unknown (or not shown) on either side
    open_to_mentor: bool = False
    open_to_questions: bool = False
    load: int = 0  # newcomers they already buddy here (suggested or accepted)

    @property
    def score(self) -> int:
        points = LANGUAGE_POINTS if self.shared_languages else 0
        points += TERM_POINTS * min(self.shared_terms, MOST_TERMS)
        if self.hours_apart is not None:
            points += 2 if self.hours_apart <= 1 else 1 if self.hours_apart <= 3 else 0
        points += 2 if self.open_to_mentor else 0
        points += 1 if self.open_to_questions else 0
        return points - min(self.load, MOST_LOAD)


def rank(candidates: list[Candidate]) -> list[Candidate]:
    """Best first; the order is total, so the same data always gives the same buddy."""
    return sorted(candidates, key=lambda c: (-c.score, c.joined_at, c.member_id))


def _not_newcomer_since(community: Community, now: datetime) -> datetime:
    return now - timedelta(days=community.newcomer_days)


def possible(community: Community, newcomer: User, now: datetime) -> QuerySet[Membership]:
    """Memberships of those who may be ``newcomer``'s buddy in ``community`` at all."""
    suspended = Q(suspended_at__isnull=False) & (
        Q(suspended_until__isnull=True) | Q(suspended_until__gt=now)
    )
    silenced = Q(member__silenced_at__isnull=False) & (
        Q(member__silenced_until__isnull=True) | Q(member__silenced_until__gt=now)
    )
    return (
        Membership.objects.filter(
            community=community,
            status=Membership.Status.ACTIVE,
            joined_at__lte=_not_newcomer_since(community, now),
            member__is_active=True,
            member__is_placeholder=False,
            member__deleted_at__isnull=True,
        )
        .exclude(member_id=newcomer.pk)
        .exclude(suspended)
        .exclude(silenced)
        .exclude(member_id__in=Block.objects.filter(blocker=newcomer).values("blocked_id"))
        .exclude(member_id__in=Block.objects.filter(blocked=newcomer).values("blocker_id"))
    )


def _active_since(community: Community, since: datetime) -> Q:
    who = OuterRef("member_id")
    posted = Post.objects.visible().filter(
        author_id=who,
        created_at__gte=since,
        thread__community=community,
        thread__deleted_at__isnull=True,
        thread__hidden_at__isnull=True,
    )
    wrote = ArticleRevision.objects.filter(
        author_id=who, created_at__gte=since, article__community=community
    )
    answered = Registration.objects.filter(
        member_id=who, created_at__gte=since, event__community=community
    )
    return Q(Exists(posted)) | Q(Exists(wrote)) | Q(Exists(answered))


def _count(rows: QuerySet[Any], by: str = "member_id") -> Coalesce:
    """How many of ``rows`` (narrowed to the outer member by ``by``), as a subquery."""
    counted = rows.order_by().values(by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _hours_apart(first: str, second: str, now: datetime) -> float | None:
    try:
        a = zoneinfo.ZoneInfo(first).utcoffset(now)
        b = zoneinfo.ZoneInfo(second).utcoffset(now)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    if a is None or b is None:
        return None
    hours = abs((a - b).total_seconds()) / 3600
    return min(hours, 24 - hours)


def _shown(member: User, field_name: str) -> bool:
    """Whether ``member`` lets members of their communities see ``field_name``."""
    return member.visibility_of(field_name) != Visibility.PRIVATE


def candidates(community: Community, newcomer: User, now: datetime) -> list[Candidate]:
    """Everyone who could be suggested to ``newcomer`` now, unranked (one query, after the
    newcomer's own languages and terms)."""
    codes = list(MemberLanguage.objects.filter(member=newcomer).values_list("code", flat=True))
    terms = list(MemberSkill.objects.filter(member=newcomer).values_list("skill_id", flat=True))
    who = OuterRef("member_id")
    memberships = (
        possible(community, newcomer, now)
        .filter(_active_since(community, now - timedelta(days=ACTIVE_DAYS)))
        .exclude(
            member_id__in=Buddy.objects.filter(community=community, newcomer=newcomer).values(
                "buddy_id"
            )
        )
        .select_related("member")
        .annotate(
            shared_languages=_count(MemberLanguage.objects.filter(member_id=who, code__in=codes)),
            shared_skills=_count(
                MemberSkill.objects.filter(
                    member_id=who, skill_id__in=terms, kind=MemberSkill.Kind.SKILL
                )
            ),
            shared_interests=_count(
                MemberSkill.objects.filter(
                    member_id=who, skill_id__in=terms, kind=MemberSkill.Kind.INTEREST
                )
            ),
            load=_count(
                Buddy.objects.filter(community=community, buddy_id=who).exclude(
                    status=Buddy.Status.DECLINED
                ),
                by="buddy_id",
            ),
        )
    )
    found = []
    for membership in memberships:
        member = membership.member
        shared_terms = (membership.shared_skills if _shown(member, "skills") else 0) + (
            membership.shared_interests if _shown(member, "interests") else 0
        )
        hours = None
        if newcomer.time_zone and member.time_zone and _shown(member, "time_zone"):
            hours = _hours_apart(newcomer.time_zone, member.time_zone, now)
        found.append(
            Candidate(
                member_id=member.pk,
                joined_at=membership.joined_at or now,  # active memberships have joined
                shared_languages=membership.shared_languages if _shown(member, "languages") else 0,
                shared_terms=shared_terms,
                hours_apart=hours,
                open_to_mentor=member.open_to_mentor,
                open_to_questions=member.open_to_questions,
                load=membership.load,
            )
        )
    return found


def best(community: Community, newcomer: User, now: datetime) -> Candidate | None:
    ranked = rank(candidates(community, newcomer, now))
    return ranked[0] if ranked else None
