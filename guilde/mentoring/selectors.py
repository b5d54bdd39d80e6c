"""Reads of mentoring, permission-aware. Every list costs a fixed number of queries.

What coordinators read of relationships is :func:`programme_health`: counts per status and
of quiet pairs — never goals, check-ins, notes or resources, which only
:func:`relationship_get` returns, and only to the pair.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from guilde.accounts.models import User
from guilde.communities.models import Community
from guilde.communities.selectors import with_viewer_membership
from guilde.core.permissions import can, require
from guilde.mentoring.models import (
    Application,
    CheckIn,
    Match,
    Programme,
    Relationship,
    Resource,
)


def programme_list(*, viewer: Any, community: Community) -> list[Programme]:
    """The community's programmes the viewer sees (drafts: those who manage it)."""
    require(viewer, "view", community)
    found = community.mentoring_programmes.annotate(
        mentors=Count(
            "applications",
            filter=Q(applications__role="mentor", applications__status="active"),
        ),
        mentees=Count(
            "applications",
            filter=Q(applications__role="mentee", applications__status="active"),
        ),
    )
    if not can(viewer, "create_programme", community):
        found = found.exclude(status=Programme.Status.DRAFT)
    programmes: list[Programme] = list(found.order_by("-created_at"))
    for programme in programmes:
        programme.community = community
    return programmes


def programme_get(*, viewer: Any, slug: str, pk: int) -> Programme:
    programme = get_object_or_404(
        Programme.objects.select_related("community"), pk=pk, community__slug=slug
    )
    with_viewer_membership([programme.community], viewer)
    require(viewer, "view", programme)
    return programme


def programme_by_id(*, viewer: Any, pk: int) -> Programme:
    programme = get_object_or_404(Programme.objects.select_related("community"), pk=pk)
    with_viewer_membership([programme.community], viewer)
    require(viewer, "view", programme)
    return programme


def _applications() -> QuerySet[Application]:
    return Application.objects.select_related("member").prefetch_related("skills", "avoid")


def own_applications(*, viewer: Any, programme: Programme) -> dict[str, Application]:
    """The viewer's applications to ``programme``, by role."""
    if not viewer.is_authenticated:
        return {}
    return {a.role: a for a in _applications().filter(programme=programme, member=viewer)}


def application_list(*, viewer: Any, programme: Programme, role: str = "") -> QuerySet[Application]:
    """Every application (those who manage the programme)."""
    require(viewer, "manage", programme)
    found = _applications().filter(programme=programme)
    if role:
        found = found.filter(role=role)
    return found.order_by("role", "status", "pk")


def application_get(*, viewer: Any, pk: int) -> Application:
    application = get_object_or_404(_applications().select_related("programme__community"), pk=pk)
    with_viewer_membership([application.programme.community], viewer)
    require(viewer, "view", application)
    return application


def _matches() -> QuerySet[Match]:
    return Match.objects.select_related(
        "programme__community", "mentee__member", "mentor__member"
    ).prefetch_related("mentee__skills", "mentor__skills")


def match_list(*, viewer: Any, programme: Programme, status: str = "") -> QuerySet[Match]:
    """Every pair of the programme (those who manage it), best first."""
    require(viewer, "manage", programme)
    found = _matches().filter(programme=programme)
    if status:
        found = found.filter(status=status)
    return found.order_by("status", "-score", "pk")


def match_get(*, viewer: Any, pk: int) -> Match:
    match = get_object_or_404(_matches(), pk=pk)
    with_viewer_membership([match.programme.community], viewer)
    require(viewer, "view", match)
    return match


def unmatched_mentees(*, viewer: Any, programme: Programme) -> list[Application]:
    require(viewer, "manage", programme)
    paired = Match.objects.filter(programme=programme).exclude(status=Match.Status.DECLINED)
    return list(
        _applications()
        .filter(programme=programme, role=Application.Role.MENTEE, status="active")
        .exclude(pk__in=paired.values("mentee_id"))
        .order_by("pk")
    )


@dataclass(frozen=True)
class Health:
    applications: dict[str, int]
    matches: dict[str, int]
    relationships: dict[str, int]
    quiet: int  # active pairs without a check-in for the programme's weeks
    check_ins: int
    goals_done: int
    goals: int
    ratings: int
    mean_rating: float | None


def programme_health(*, viewer: Any, programme: Programme) -> Health:
    """What coordinators see of the pairs: counts, never contents."""
    require(viewer, "manage", programme)
    applications = Counter(
        f"{role}"
        for role in programme.applications.filter(status="active").values_list("role", flat=True)
    )
    matches = Counter(programme.matches.values_list("status", flat=True))
    relationships = programme.relationships.all()
    by_status = Counter(relationships.values_list("status", flat=True))
    since = timezone.now() - timedelta(weeks=programme.check_in_weeks)
    quiet = relationships.filter(status=Relationship.Status.ACTIVE).filter(
        Q(last_check_in_at__lt=since) | Q(last_check_in_at__isnull=True, started_at__lt=since)
    )
    # Aliases apart from the relations' names: an alias "goals" would shadow the relation
    # in the next aggregate's filter (goals__status).
    totals = relationships.aggregate(
        check_in_count=Count("check_ins", distinct=True),
        goal_count=Count("goals", distinct=True),
        goal_done_count=Count("goals", filter=Q(goals__status="done"), distinct=True),
    )
    ratings = list(
        relationships.filter(feedback__isnull=False).values_list("feedback__rating", flat=True)
    )
    return Health(
        applications=dict(applications),
        matches=dict(matches),
        relationships=dict(by_status),
        quiet=quiet.count(),
        check_ins=totals["check_in_count"],
        goals_done=totals["goal_done_count"],
        goals=totals["goal_count"],
        ratings=len(ratings),
        mean_rating=round(sum(ratings) / len(ratings), 2) if ratings else None,
    )


@dataclass(frozen=True)
class Mine:
    waiting: list[Match]  # published pairs the viewer has to answer
    relationships: list[Relationship]
    applications: list[Application]


def my_mentoring(*, viewer: User) -> Mine:
    """The viewer's pairs to answer, relationships and applications."""
    waiting = [
        match
        for match in _matches()
        .filter(status=Match.Status.PUBLISHED)
        .filter(Q(mentee__member=viewer) | Q(mentor__member=viewer))
        .order_by("-published_at")
        if can(viewer, "answer", match)
    ]
    relationships = list(
        _relationships()
        .filter(Q(mentor=viewer) | Q(mentee=viewer))
        .order_by("status", "-started_at")
    )
    applications = list(
        _applications()
        .select_related("programme__community")
        .filter(member=viewer)
        .order_by("-created_at")
    )
    return Mine(waiting=waiting, relationships=relationships, applications=applications)


def _relationships() -> QuerySet[Relationship]:
    return Relationship.objects.select_related("programme__community", "mentor", "mentee", "match")


def relationship_list(*, viewer: Any) -> QuerySet[Relationship]:
    """The viewer's own relationships (nobody else's, whoever asks)."""
    if not viewer.is_authenticated:
        return Relationship.objects.none()
    return (
        _relationships()
        .filter(Q(mentor=viewer) | Q(mentee=viewer))
        .order_by("status", "-started_at", "pk")
    )


def relationship_get(*, viewer: Any, pk: int) -> Relationship:
    """One relationship with its goals, check-ins, resources and feedback — the pair only
    (anyone else, administrators included, gets a 404)."""
    relationship = (
        _relationships()
        .prefetch_related(
            "goals",
            Prefetch("check_ins", queryset=CheckIn.objects.select_related("author")),
            Prefetch(
                "resources",
                queryset=Resource.objects.select_related(
                    "added_by", "article__community", "path__community", "event__community"
                ),
            ),
            "feedback",
            "match__mentee__skills",
            "match__mentor__skills",
        )
        .filter(pk=pk)
        .first()
    )
    if relationship is None or not can(viewer, "view", relationship):
        raise Http404
    return relationship
