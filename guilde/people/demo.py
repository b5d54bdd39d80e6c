"""Demo data: skill levels, endorsements between colleagues, follows, a request to answer
an open question, and the stored expertise evidence over everything the demo made."""

from __future__ import annotations

import contextlib
from typing import TextIO

from django.core.exceptions import PermissionDenied, ValidationError

from guilde.accounts.models import MemberSkill, User
from guilde.communities.models import Community, Membership
from guilde.discussions import services as discussions
from guilde.discussions.models import Thread
from guilde.people import evidence, selectors, services
from guilde.people.models import AnswerRequest, Endorsement

LEVELS = [MemberSkill.Level.EXPERT, MemberSkill.Level.PRACTISING, MemberSkill.Level.LEARNING]


def load(out: TextIO) -> None:
    members = list(User.objects.real().filter(is_staff=False).order_by("date_joined", "pk"))
    if not members or Endorsement.objects.exists():
        evidence.refresh()
        return
    for member in members:
        declared = MemberSkill.objects.filter(member=member, kind=MemberSkill.Kind.SKILL)
        for number, member_skill in enumerate(declared.order_by("pk")):
            member_skill.level = LEVELS[min(number, len(LEVELS) - 1)]
            member_skill.save(update_fields=["level"])
    endorsed = 0
    for number, member in enumerate(members):
        for step in (1, 2, 3):
            other = members[(number + step) % len(members)]
            first = (
                MemberSkill.objects.filter(member=other, kind=MemberSkill.Kind.SKILL)
                .select_related("skill")
                .order_by("pk")
                .first()
            )
            if other.pk == member.pk or first is None:
                continue
            try:
                services.endorse(actor=member, member=other, skill_slug=first.skill.slug)
                endorsed += 1
            except (ValidationError, PermissionDenied):
                continue  # a hidden skill or a block: not endorsed, as in real life
            if step < 3:
                with contextlib.suppress(ValidationError, PermissionDenied):
                    services.follow(actor=member, member=other)
    _open_question()
    evidence.refresh()
    asked = 0
    for thread in Thread.objects.filter(
        kind=Thread.Kind.QUESTION, accepted_post__isnull=True, author__isnull=False
    ).select_related("community", "author")[:20]:
        asker = thread.author
        if asker is None:
            continue
        for knower in selectors.could_answer(viewer=asker, thread=thread, limit=1):
            try:
                services.answer_request(actor=asker, thread=thread, member=knower.member)
                asked += 1
            except (ValidationError, PermissionDenied):
                continue
        if asked >= 2:
            break
    out.write(
        f"Endorsed {endorsed} skills, asked {asked} members to answer; "
        f"{AnswerRequest.objects.count()} requests in all.\n"
    )


def _open_question() -> None:
    """An open question on user research, asked by someone who never answered on it: the
    page shows who could answer."""
    community = Community.objects.filter(slug="service-design").first()
    if community is None or not community.tags.filter(slug="user-research").exists():
        return
    knowers = evidence.topics().filter(tag__community=community).values("member_id")
    asker = (
        User.objects.real()
        .filter(memberships__community=community, memberships__status=Membership.Status.ACTIVE)
        .exclude(pk__in=knowers)
        .order_by("pk")
        .first()
    )
    if asker is None:
        return
    discussions.thread_create(
        actor=asker,
        community=community,
        kind=Thread.Kind.QUESTION,
        title="How many interviews before we stop learning anything new?",
        body="We plan a round of interviews with case workers. When do we know we have "
        "enough? Five, twelve, until nothing surprises us?",
        tags=["user-research"],
    )
