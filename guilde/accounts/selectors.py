"""Reads of members and organisations, always through the viewer's eyes.

Pages and the API never see a member's model: they get a :class:`MemberProfile` in which
every field the viewer may not see is ``None``. Lists cost a fixed number of queries,
whatever their length.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from guilde.accounts.models import (
    Affiliation,
    MemberSkill,
    Organisation,
    PersonalAccessToken,
    Skill,
    User,
)
from guilde.accounts.visibility import Viewer, VisibilityContext, visible_q

AVATAR_COLOURS = 8


@dataclass(frozen=True)
class AffiliationView:
    organisation_name: str
    organisation_slug: str
    role: str
    confirmed: bool


@dataclass(frozen=True)
class MemberProfile:
    """A member as one viewer may see them; hidden fields are ``None``."""

    id: int
    username: str
    name: str
    initials: str
    avatar_colour: int
    avatar_url: str | None
    is_self: bool
    is_placeholder: bool
    is_deleted: bool
    joined: datetime
    bio: str | None
    location: str | None
    time_zone: str | None
    local_time: datetime | None
    languages: list[str] | None
    organisations: list[AffiliationView] | None
    skills: list[str] | None
    interests: list[str] | None
    learning_goals: list[str] | None
    open_to_questions: bool | None
    open_to_mentor: bool | None

    @property
    def url(self) -> str:
        return reverse("accounts:member", args=[self.username])


def avatar_version(member: User) -> str:
    return hashlib.sha256((member.avatar.name or "").encode()).hexdigest()[:12]


def _profile(member: User, seen: VisibilityContext) -> MemberProfile:
    def visible(field: str) -> bool:
        return seen.can_see(member, field)

    skills_by_kind: dict[str, list[str]] = {kind: [] for kind in MemberSkill.Kind.values}
    for member_skill in member.member_skills.all():
        skills_by_kind[member_skill.kind].append(member_skill.skill.name)
    local_time = None
    if member.time_zone and visible("time_zone"):
        local_time = timezone.now().astimezone(ZoneInfo(member.time_zone))
    avatar_url = None
    if member.avatar and visible("avatar"):
        avatar_url = (
            reverse("accounts:avatar", args=[member.username]) + f"?v={avatar_version(member)}"
        )
    return MemberProfile(
        id=member.pk,
        username=member.username,
        name=member.name,
        initials=member.initials,
        avatar_colour=member.pk % AVATAR_COLOURS,
        avatar_url=avatar_url,
        is_self=seen.viewer.is_authenticated and seen.viewer.pk == member.pk,
        is_placeholder=member.is_placeholder,
        is_deleted=member.deleted_at is not None,
        joined=member.date_joined,
        bio=member.bio if visible("bio") else None,
        location=member.location if visible("location") else None,
        time_zone=member.time_zone if visible("time_zone") else None,
        local_time=local_time,
        languages=sorted(lang.code for lang in member.spoken_languages.all())
        if visible("languages")
        else None,
        organisations=[
            AffiliationView(
                organisation_name=a.organisation.name,
                organisation_slug=a.organisation.slug,
                role=a.role,
                confirmed=a.confirmed,
            )
            for a in member.affiliations.all()
        ]
        if visible("organisations")
        else None,
        skills=sorted(skills_by_kind["skill"]) if visible("skills") else None,
        interests=sorted(skills_by_kind["interest"]) if visible("interests") else None,
        learning_goals=sorted(skills_by_kind["learning"]) if visible("learning_goals") else None,
        open_to_questions=member.open_to_questions if visible("availability") else None,
        open_to_mentor=member.open_to_mentor if visible("availability") else None,
    )


@dataclass(frozen=True)
class MemberCard:
    """What a list of posts shows of their authors: name, picture, link."""

    id: int
    username: str
    name: str
    initials: str
    avatar_colour: int
    avatar_url: str | None

    @property
    def url(self) -> str:
        return reverse("accounts:member", args=[self.username])


def member_cards(*, viewer: Viewer, members: list[User]) -> list[MemberCard]:
    """Cards of ``members`` as ``viewer`` sees them (their picture follows its visibility);
    one query at most (who shares a community with the viewer), none for visitors."""
    if not viewer.is_authenticated:
        seen = VisibilityContext(viewer=viewer)
    else:
        seen = VisibilityContext.for_members(viewer, members)
    cards = []
    for member in members:
        avatar_url = None
        if member.avatar and seen.can_see(member, "avatar"):
            avatar_url = (
                reverse("accounts:avatar", args=[member.username]) + f"?v={avatar_version(member)}"
            )
        cards.append(
            MemberCard(
                id=member.pk,
                username=member.username,
                name=member.name,
                initials=member.initials,
                avatar_colour=member.pk % AVATAR_COLOURS,
                avatar_url=avatar_url,
            )
        )
    return cards


def with_profile_relations(members: QuerySet[User]) -> QuerySet[User]:
    return members.prefetch_related(
        Prefetch(
            "affiliations",
            queryset=Affiliation.objects.select_related("organisation").order_by(
                "organisation__name"
            ),
        ),
        Prefetch("member_skills", queryset=MemberSkill.objects.select_related("skill")),
        "spoken_languages",
    )


def member_profiles(*, viewer: Viewer, members: list[User]) -> list[MemberProfile]:
    """Profiles of ``members`` (fetched with their relations) as ``viewer`` sees them."""
    seen = VisibilityContext.for_members(viewer, members)
    return [_profile(member, seen) for member in members]


def member_get(*, viewer: Viewer, username: str) -> MemberProfile:
    """One member's profile; deleted accounts and unknown names are a 404."""
    member = (
        with_profile_relations(User.objects.filter(deleted_at__isnull=True))
        .filter(username=username)
        .first()
    )
    if member is None or (not member.is_active and not member.is_placeholder):
        raise Http404
    return member_profiles(viewer=viewer, members=[member])[0]


def member_queryset(
    *,
    viewer: Viewer,
    search: str = "",
    organisation: str = "",
    skill: str = "",
    interest: str = "",
    language: str = "",
    time_zones: list[str] | None = None,
    open_to_questions: bool | None = None,
    open_to_mentor: bool | None = None,
) -> QuerySet[User]:
    """Members filtered only on what ``viewer`` may see of them.

    Filtering on a hidden field would reveal it ("who has skill X?"), so each filter also
    requires the field to be visible to the viewer. ``time_zones``: members in one of them.
    Each value condition comes before its visibility condition: the database then reads a
    member's visibility settings only for the members the value matched.
    """
    members = User.objects.real()
    if search:
        members = members.filter(Q(username__icontains=search) | Q(display_name__icontains=search))
    if organisation:
        members = members.filter(affiliations__organisation__slug=organisation).filter(
            visible_q(viewer, "organisations")
        )
    for slug, kind, field_name in (
        (skill, MemberSkill.Kind.SKILL, "skills"),
        (interest, MemberSkill.Kind.INTEREST, "interests"),
    ):
        if slug:
            members = members.filter(
                pk__in=MemberSkill.objects.filter(kind=kind, skill__slug=slug).values("member_id")
            ).filter(visible_q(viewer, field_name))
    if language:
        members = members.filter(spoken_languages__code=language).filter(
            visible_q(viewer, "languages")
        )
    if time_zones is not None:
        members = members.filter(time_zone__in=time_zones).filter(visible_q(viewer, "time_zone"))
    if open_to_questions is not None:
        members = members.filter(open_to_questions=open_to_questions).filter(
            visible_q(viewer, "availability")
        )
    if open_to_mentor is not None:
        members = members.filter(open_to_mentor=open_to_mentor).filter(
            visible_q(viewer, "availability")
        )
    return with_profile_relations(members)


def organisation_list() -> QuerySet[Organisation]:
    """Organisations with the number of members who show their affiliation to everyone."""
    return Organisation.objects.annotate(
        public_members=Count(
            "affiliations",
            filter=Q(affiliations__member__in=User.objects.real().filter(_public_orgs_q())),
        )
    ).order_by("name")


def _public_orgs_q() -> Q:
    from django.contrib.auth.models import AnonymousUser

    return visible_q(AnonymousUser(), "organisations")


def organisation_get(*, slug: str) -> Organisation:
    found = organisation_list().filter(slug=slug).first()
    if found is None:
        raise Http404
    return found


def organisation_members(*, viewer: Viewer, organisation: Organisation) -> QuerySet[User]:
    """Members of ``organisation`` whose affiliation ``viewer`` may see."""
    return with_profile_relations(
        User.objects.real()
        .filter(visible_q(viewer, "organisations"), affiliations__organisation=organisation)
        .order_by("display_name", "username")
    )


def skill_vocabulary(*, prefix: str = "", limit: int = 20) -> QuerySet[Skill]:
    """Terms offered for entry: not merged away, most used first."""
    terms = Skill.objects.filter(merged_into__isnull=True)
    if prefix:
        terms = terms.filter(name__istartswith=prefix)
    return terms.annotate(uses=Count("member_skills")).order_by("-uses", "name")[:limit]


def token_list(*, member: User) -> QuerySet[PersonalAccessToken]:
    return PersonalAccessToken.objects.filter(member=member, revoked_at__isnull=True)


def now_in(time_zone: str) -> datetime:
    return timezone.now().astimezone(ZoneInfo(time_zone))
