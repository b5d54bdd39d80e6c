"""Demo data: the main community (Service Design Practitioners) runs a mentoring programme —
members applied as mentors and mentees, the matcher proposed pairs, the coordinator
published them; most pairs accepted and meet (goals, a check-in, suggested resources), one
waits for its mentor's answer, one was declined (the worker proposes anew) — and the
French open-data community's programme is open for applications. Everything goes through
the services, as coordinators and members would do it."""

from __future__ import annotations

from datetime import timedelta
from typing import TextIO

from django.utils import timezone

from guilde.accounts.models import User
from guilde.communities.models import Community
from guilde.core.permissions import can
from guilde.knowledge.models import Article
from guilde.mentoring import services
from guilde.mentoring.models import Match, Programme, Relationship
from guilde.mentoring.services import ApplicationInput, ProgrammeInput

EVENINGS = ["tue-evening", "thu-evening"]
MORNINGS = ["mon-morning", "wed-morning", "fri-morning"]

# username, topics offered, mentees at most, languages, weekly slots
MENTORS = [
    (
        "camille",
        ["User research", "Service blueprints", "Accessibility"],
        2,
        ["fr", "en"],
        MORNINGS,
    ),
    ("chloe", ["User research", "Prototyping"], 2, ["fr", "en"], EVENINGS),
    ("priya", ["Prototyping", "Accessibility"], 1, ["en"], ["mon-afternoon", "wed-afternoon"]),
]
# username, topics wanted, languages, weekly slots, people to avoid, goals
MENTEES = [
    ("fatou", ["Accessibility", "Service blueprints"], ["fr", "en"], MORNINGS, [],
     "Run my first accessibility audit of a public service, end to end."),
    ("zoe", ["User research", "Co-design"], ["fr"], MORNINGS + EVENINGS, [],
     "Plan and facilitate interviews with users who rarely take part."),
    ("emma", ["Service blueprints", "Prototyping"], ["en"], EVENINGS, [],
     "Blueprint a service across three agencies and get them to agree on it."),
    ("ines", ["Co-design", "User research"], ["en"], [*EVENINGS, "mon-afternoon"], ["chloe"],
     "Bring co-design into a research team used to deciding alone."),
    ("nina", ["Prototyping"], ["fr", "en"], ["wed-afternoon", "tue-evening"], [],
     "Prototype with code without losing the research behind it."),
    ("sara", ["Accessibility"], ["fr", "en"], MORNINGS, [],
     "Make translated content accessible, not just translated."),
]  # fmt: skip


def _member(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _applicant(username: str, programme: Programme) -> User | None:
    """The member, if they may apply (the moderation demo suspends someone, for one)."""
    member = _member(username)
    return member if member is not None and can(member, "apply", programme) else None


def load(out: TextIO) -> None:
    if Programme.objects.exists():
        return
    running = _running_programme()
    opened = _open_programme()
    if running is None and opened is None:
        return
    pairs = Relationship.objects.filter(programme=running).count() if running else 0
    out.write(
        f"Created {int(running is not None) + int(opened is not None)} mentoring programmes "
        f"({pairs} pairs meeting).\n"
    )


def _running_programme() -> Programme | None:
    community = Community.objects.filter(slug="service-design").first()
    coordinator = _member("camille")
    if community is None or coordinator is None:
        return None
    today = timezone.localdate()
    programme = services.programme_create(
        actor=coordinator,
        community=community,
        data=ProgrammeInput(
            name="Service design mentoring: spring cohort",
            description="Six months in pairs: an experienced practitioner and someone "
            "who wants to grow in a practice. Pairs meet every two or three weeks, set "
            "their own goals and write down what they try.\n\n"
            "Mentors take one or two mentees; the matching weighs the topics first, then "
            "time zones and the hours you are both free.",
            goals="Every mentee leads one piece of work they could not have led alone.",
            starts_on=today - timedelta(days=14),
            ends_on=today + timedelta(days=170),
            weight_skills=4,
            weight_availability=2,
            max_capacity=2,
        ),
    )
    services.programme_move(actor=coordinator, programme=programme, status="open")
    for username, topics, capacity, languages, slots in MENTORS:
        mentor = _applicant(username, programme)
        if mentor is not None:
            services.application_submit(
                actor=mentor,
                programme=programme,
                role="mentor",
                data=ApplicationInput(
                    skills=topics,
                    capacity=capacity,
                    languages=languages,
                    availability=slots,
                    goals="Help someone find their own way of working.",
                    learning="How others run research with few resources.",
                ),
            )
    for username, topics, languages, slots, avoid, goals in MENTEES:
        mentee = _applicant(username, programme)
        if mentee is not None:
            services.application_submit(
                actor=mentee,
                programme=programme,
                role="mentee",
                data=ApplicationInput(
                    skills=topics,
                    languages=languages,
                    availability=slots,
                    goals=goals,
                    avoid=[name for name in avoid if _member(name) is not None],
                ),
            )
    services.programme_move(actor=coordinator, programme=programme, status="matching")
    services.matching_run(actor=coordinator, programme=programme)
    services.programme_publish(actor=coordinator, programme=programme)
    matches = list(
        Match.objects.filter(programme=programme)
        .select_related("mentee__member", "mentor__member")
        .order_by("mentee__member__username")
    )
    for number, match in enumerate(matches):
        mentee, mentor = match.mentee.member, match.mentor.member
        if number == len(matches) - 1 and len(matches) > 2:
            services.match_answer(actor=mentor, match=match, accept=False)
        elif number == len(matches) - 2 and len(matches) > 2:
            services.match_answer(actor=mentee, match=match, accept=True)  # the mentor thinks
        else:
            services.match_answer(actor=mentee, match=match, accept=True)
            services.match_answer(actor=mentor, match=match, accept=True)
    _first_steps(programme)
    return programme


def _first_steps(programme: Programme) -> None:
    """Goals in every pair; the first pair has met once and shared resources."""
    today = timezone.localdate()
    article = (
        Article.objects.filter(community=programme.community, status__in=["published", "verified"])
        .order_by("pk")
        .first()
    )
    relationships = Relationship.objects.filter(programme=programme).select_related(
        "mentor", "mentee"
    )
    for number, relationship in enumerate(relationships.order_by("pk")):
        first = services.goal_add(
            actor=relationship.mentee,
            relationship=relationship,
            title="Agree on what 'done' looks like for my project",
        )
        services.goal_add(
            actor=relationship.mentor,
            relationship=relationship,
            title="Review one real deliverable together",
        )
        if number > 0:
            continue
        services.goal_set_status(actor=relationship.mentee, goal=first, status="in_progress")
        services.check_in_add(
            actor=relationship.mentee,
            relationship=relationship,
            held_on=today,
            notes="We talked about where I get stuck: asking for time with users. "
            "Only the two of us see these notes.",
            next_steps="Draft the interview guide; share it before our next call.",
        )
        if article is not None:
            services.resource_add(
                actor=relationship.mentor,
                relationship=relationship,
                url=article.get_absolute_url(),
                note="Read the part on recruiting participants.",
            )
        services.resource_add(
            actor=relationship.mentor,
            relationship=relationship,
            url="https://www.gov.uk/service-manual/user-research",
            title="Service Manual: user research",
        )


def _open_programme() -> Programme | None:
    community = Community.objects.filter(slug="donnees-ouvertes").first()
    coordinator = _member("grace")
    if community is None or coordinator is None:
        return None
    today = timezone.localdate()
    programme = services.programme_create(
        actor=coordinator,
        community=community,
        data=ProgrammeInput(
            name="Parrainage : publier ses premières données",
            description="Un binôme pendant trois mois pour publier un premier jeu de "
            "données propre et documenté. Candidatures ouvertes trois semaines.",
            goals="Chaque filleul publie un jeu de données avec sa documentation.",
            starts_on=today + timedelta(days=30),
            ends_on=today + timedelta(days=120),
            applications_close=today + timedelta(days=21),
            organisation_rule="forbid",
            max_capacity=2,
        ),
    )
    services.programme_move(actor=coordinator, programme=programme, status="open")
    applications = [
        ("sofia", "mentor", ["Python", "Qualité des données"], ["fr", "en"]),
        ("noah", "mentor", ["Python", "Licences"], ["en"]),
        ("yusuf", "mentee", ["Visualisation"], ["en"]),
        ("arjun", "mentee", ["Licences", "Python"], ["en"]),
    ]
    for username, role, topics, languages in applications:
        member = _applicant(username, programme)
        if member is not None:
            services.application_submit(
                actor=member,
                programme=programme,
                role=role,
                data=ApplicationInput(
                    skills=topics,
                    capacity=2 if role == "mentor" else 1,
                    languages=languages,
                    availability=["tue-evening", "sat-morning"],
                    goals="Publier mieux, plus souvent.",
                ),
            )
    return programme
