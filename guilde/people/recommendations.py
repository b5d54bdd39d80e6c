"""People to meet: for a member, others in their communities worth knowing, each with its
reason — shared interests, someone who knows what they want to learn, someone from
another organisation, a newcomer to welcome.

Only members sharing an active community with the viewer are suggested; each reason
uses only fields the viewer may see; members who opted out of suggestions, members
blocked either way and members already followed are left out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from guilde.accounts.models import Affiliation, MemberSkill, User
from guilde.accounts.visibility import visible_q
from guilde.communities.models import Community, Membership
from guilde.people import evidence
from guilde.people.directory import blocked_either_way
from guilde.people.models import Follow, HiddenTopic, PeoplePreferences

PER_REASON = 3
LIMIT = 10
NEWCOMER_DAYS_AT_MOST = 365


@dataclass(frozen=True)
class Recommendation:
    member: User
    kind: str  # interests | learn | bridge | newcomer
    reason: str


def _names(names: set[str], limit: int = 3) -> str:
    return ", ".join(sorted(names)[:limit])


def people_to_meet(*, viewer: User, limit: int = LIMIT) -> list[Recommendation]:
    mine = list(
        Membership.objects.filter(member=viewer, status=Membership.Status.ACTIVE)
        .exclude(community__status=Community.Status.DELETED)
        .values_list("community_id", flat=True)
    )
    if not mine:
        return []
    left_out = blocked_either_way(viewer) | {viewer.pk}
    left_out.update(Follow.objects.filter(follower=viewer).values_list("followed_id", flat=True))
    left_out.update(
        PeoplePreferences.objects.filter(suggest=False).values_list("member_id", flat=True)
    )
    pool: QuerySet[User] = (
        User.objects.real()
        .filter(memberships__community_id__in=mine, memberships__status=Membership.Status.ACTIVE)
        .exclude(pk__in=left_out)
    )
    terms = defaultdict(set)
    for kind, slug in MemberSkill.objects.filter(member=viewer).values_list("kind", "skill__slug"):
        terms[kind].add(slug)
    found: dict[int, Recommendation] = {}

    def add(member_id: int, kind: str, reason: str) -> None:
        if member_id not in found:
            found[member_id] = Recommendation(User(pk=member_id), kind, reason)

    # Someone who knows what I want to learn: a declared skill they show me, or evidence
    # on a tag of that name in a community we share.
    wanted = terms[MemberSkill.Kind.LEARNING]
    if wanted:
        teach: dict[int, set[str]] = defaultdict(set)
        for member_id, name in MemberSkill.objects.filter(
            kind=MemberSkill.Kind.SKILL,
            skill__slug__in=wanted,
            member__in=pool.filter(visible_q(viewer, "skills")),
        ).values_list("member_id", "skill__name"):
            teach[member_id].add(name)
        hidden = set(HiddenTopic.objects.filter(slug__in=wanted).values_list("member_id", "slug"))
        for member_id, slug, name in (
            evidence.topics()
            .filter(tag__slug__in=wanted, tag__community_id__in=mine, member__in=pool)
            .order_by("-strength")
            .values_list("member_id", "tag__slug", "tag__name")[:200]
        ):
            if (member_id, slug) not in hidden:
                teach[member_id].add(name)
        for member_id, names in sorted(teach.items(), key=lambda i: -len(i[1]))[:PER_REASON]:
            add(
                member_id,
                "learn",
                _("Knows about %(topics)s, which you want to learn") % {"topics": _names(names)},
            )
    # Shared interests (and skills), on what they show me.
    shared: dict[int, set[str]] = defaultdict(set)
    mine_terms = terms[MemberSkill.Kind.INTEREST] | terms[MemberSkill.Kind.SKILL]
    if mine_terms:
        for kind, field_name in (
            (MemberSkill.Kind.INTEREST, "interests"),
            (MemberSkill.Kind.SKILL, "skills"),
        ):
            for member_id, name in MemberSkill.objects.filter(
                kind=kind,
                skill__slug__in=mine_terms,
                member__in=pool.filter(visible_q(viewer, field_name)),
            ).values_list("member_id", "skill__name"):
                shared[member_id].add(name)
    for member_id, names in sorted(shared.items(), key=lambda i: -len(i[1]))[: PER_REASON * 2]:
        if sum(r.kind == "interests" for r in found.values()) < PER_REASON:
            add(member_id, "interests", _("Also into %(topics)s") % {"topics": _names(names)})
    # A bridge: someone from another organisation who shares my interests or communities.
    my_orgs = set(
        Affiliation.objects.filter(member=viewer).values_list("organisation_id", flat=True)
    )
    if my_orgs:
        others = (
            Affiliation.objects.filter(member__in=pool.filter(visible_q(viewer, "organisations")))
            .exclude(organisation_id__in=my_orgs)
            .exclude(
                member_id__in=Affiliation.objects.filter(organisation_id__in=my_orgs).values(
                    "member_id"
                )
            )
            .values_list("member_id", "organisation__name")
        )
        ranked = sorted(others, key=lambda row: (-len(shared.get(row[0], ())), row[0]))
        for member_id, organisation in ranked[:PER_REASON]:
            add(
                member_id,
                "bridge",
                _("From %(organisation)s: another organisation in your communities")
                % {"organisation": organisation},
            )
    # Newcomers to welcome, in my communities.
    recent = (
        Membership.objects.filter(
            community_id__in=mine,
            status=Membership.Status.ACTIVE,
            member__in=pool,
            joined_at__gte=timezone.now() - timedelta(days=NEWCOMER_DAYS_AT_MOST),
        )
        .select_related("community")
        .order_by("-joined_at")[:50]
    )
    newcomers = [m for m in recent if m.is_newcomer()]
    for membership in newcomers[:PER_REASON]:
        add(
            membership.member_id,
            "newcomer",
            _("New in %(community)s: welcome them") % {"community": membership.community.name},
        )
    chosen = list(found.values())[:limit]
    members = User.objects.in_bulk([r.member.pk for r in chosen])
    return [
        Recommendation(members[r.member.pk], r.kind, r.reason)
        for r in chosen
        if r.member.pk in members
    ]
