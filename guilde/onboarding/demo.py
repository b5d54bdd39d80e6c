"""Demo data: every active demo community welcomes its newcomers — a message from its
coordinators in its language, its first learning path as the starter path, its
"welcome" announcement as the introductions thread where there is one — and its newest
members are suggested a buddy (the first community's newcomer accepted theirs)."""

from __future__ import annotations

from typing import TextIO

from django.db.models import Q

from guilde.communities.models import Community, Membership
from guilde.discussions.models import Thread
from guilde.knowledge.models import LearningPath
from guilde.onboarding import services
from guilde.onboarding.models import Onboarding

WELCOME = {
    "en": (
        "Welcome to **{name}**! We are glad you are here.\n\n"
        "Nobody expects you to know everything: read around, say who you are, and ask when "
        "something puzzles you — every question helps the next newcomer too. Your checklist "
        "below ticks itself as you take part, and a buddy can show you around."
    ),
    "fr": (
        "Bienvenue dans **{name}** ! Nous sommes heureux de vous compter parmi nous.\n\n"
        "Personne ne s’attend à ce que vous sachiez tout : lisez, présentez-vous, et posez "
        "vos questions — chacune aide aussi le prochain nouveau venu. Votre liste de "
        "premiers pas se coche d’elle-même au fil de votre participation, et un binôme peut "
        "vous guider."
    ),
}


def load(out: TextIO) -> None:
    if Onboarding.objects.exists():
        return
    made = buddies = 0
    communities = Community.objects.filter(status=Community.Status.ACTIVE).order_by("pk")
    for number, community in enumerate(communities):
        coordinator = (
            Membership.objects.filter(
                community=community,
                status=Membership.Status.ACTIVE,
                role=Membership.Role.COORDINATOR,
            )
            .select_related("member")
            .order_by("pk")
            .first()
        )
        if coordinator is None:
            continue
        introductions = (
            Thread.objects.listed()
            .filter(community=community, kind=Thread.Kind.ANNOUNCEMENT)
            .filter(Q(title__istartswith="welcome") | Q(title__istartswith="bienvenue"))
            .order_by("created_at")
            .first()
        )
        services.onboarding_update(
            actor=coordinator.member,
            community=community,
            welcome=WELCOME.get(community.language, WELCOME["en"]).format(name=community.name),
            starter_path=LearningPath.objects.filter(community=community).order_by("pk").first(),
            introductions=introductions,
            buddies=True,
        )
        made += 1
        newest = (
            Membership.objects.filter(
                community=community,
                status=Membership.Status.ACTIVE,
                role=Membership.Role.MEMBER,
                member__is_staff=False,
            )
            .select_related("member", "community")
            .order_by("-joined_at", "-pk")
            .first()
        )
        if newest is None or not newest.is_newcomer():
            continue
        buddy = services.buddy_suggest(newcomer=newest.member, community=community)
        if buddy is None:
            continue
        buddies += 1
        if number == 0:
            services.buddy_answer(actor=newest.member, community=community, accept=True)
    out.write(f"Welcomes in {made} demo communities, {buddies} buddies suggested.\n")
