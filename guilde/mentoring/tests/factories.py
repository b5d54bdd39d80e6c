"""Programmes, applications, pairs and relationships for the mentoring tests.

Applicants are members of the programme's community; their topics are the community's
tags (created on first use). ``pair`` and ``relationship_for`` write rows directly, as the
matcher and both answers would: tests of the services build them through the services.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.text import slugify
from factory.declarations import Sequence, SubFactory
from factory.django import DjangoModelFactory

from guilde.accounts.models import User
from guilde.communities.models import Tag
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.mentoring.models import Application, Match, Programme, Relationship


class ProgrammeFactory(DjangoModelFactory[Programme]):
    class Meta:
        model = Programme

    community = SubFactory(CommunityFactory)
    name = Sequence(lambda n: f"Programme {n}")
    status = Programme.Status.OPEN


def topic(programme: Programme, name: str) -> Tag:
    """The community's topic called ``name``, created if missing."""
    tag, _created = Tag.objects.get_or_create(
        community=programme.community, slug=slugify(name), defaults={"name": name}
    )
    return tag


def applicant(
    programme: Programme,
    role: str = Application.Role.MENTEE,
    *,
    member: User | None = None,
    topics: Iterable[str] = ("Python",),
    **fields: Any,
) -> Application:
    """An active application of a (new) member of the programme's community."""
    fields.setdefault("languages", ["en"])
    fields.setdefault("availability", ["mon-evening", "wed-evening"])
    if role == Application.Role.MENTOR:
        fields.setdefault("capacity", 2)
    application = Application.objects.create(
        programme=programme,
        member=member or member_of(programme.community),
        role=role,
        **fields,
    )
    application.skills.set([topic(programme, name) for name in topics])
    return application


def pair(
    programme: Programme,
    *,
    mentee: Application | None = None,
    mentor: Application | None = None,
    status: str = Match.Status.PROPOSED,
    score: float = 0.75,
    **fields: Any,
) -> Match:
    """A pair of ``programme`` (new applicants unless given), as the matcher proposes it."""
    published = status != Match.Status.PROPOSED
    return Match.objects.create(
        programme=programme,
        mentee=mentee or applicant(programme, Application.Role.MENTEE),
        mentor=mentor or applicant(programme, Application.Role.MENTOR),
        score=score,
        breakdown={"skills": score, "time_zone": 1.0, "availability": 0.5, "organisation": 0.0},
        status=status,
        published_at=timezone.now() if published else None,
        **fields,
    )


def relationship_for(match: Match) -> Relationship:
    """Both sides of ``match`` accepted: their relationship starts."""
    Match.objects.filter(pk=match.pk).update(
        status=Match.Status.ACCEPTED,
        mentee_answer=Match.Answer.ACCEPTED,
        mentor_answer=Match.Answer.ACCEPTED,
        published_at=match.published_at or timezone.now(),
        answered_at=timezone.now(),
    )
    return Relationship.objects.create(
        match=match,
        programme=match.programme,
        mentor=match.mentor.member,
        mentee=match.mentee.member,
    )
