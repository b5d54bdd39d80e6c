"""Demo communities: public, private, approval-only, hidden; English and French."""

from __future__ import annotations

from datetime import timedelta
from typing import TextIO

from django.utils import timezone

from guilde.accounts.models import Organisation, User
from guilde.communities import services
from guilde.communities.models import Community, Membership

# slug, name, domain, language, visibility, join policy, coordinator, moderators,
# members, pending requests, organisations, topics, description
COMMUNITIES = [
    (
        "service-design",
        "Service Design Practitioners",
        "Designing public and private services with the people who use them.",
        "en",
        "public",
        "open",
        "camille",
        ["chloe"],
        ["fatou", "zoe", "emma", "priya", "ben", "nina", "sara", "ines"],
        [],
        ["atelier-numerique", "open-data-collective"],
        ["User research", "Service blueprints", "Accessibility", "Prototyping", "Co-design"],
        "We share methods, case studies and lessons learned from designing services: research "
        "with users, blueprints, prototypes, and how to get a design adopted.",
    ),
    (
        "renovation-energetique",
        "Rénovation énergétique",
        "Rénover les logements anciens pour qu’ils consomment moins, avec les habitants.",
        "fr",
        "public",
        "approval",
        "lea",
        ["jules"],
        ["lucas", "hugo", "elise", "marie"],
        ["camille", "zoe"],
        ["fabrique-energie"],
        ["Audit énergétique", "Isolation", "Pompes à chaleur", "Chantiers participatifs"],
        "Thermiciens, artisans, architectes et conseillers partagent leurs retours de chantier, "
        "leurs audits et leurs bonnes pratiques.",
    ),
    (
        "patient-safety",
        "Patient Safety Network",
        "Learning from incidents and near misses to keep patients safe.",
        "en",
        "private",
        "approval",
        "amara",
        ["oliver"],
        ["david", "liam", "marie", "samuel"],
        ["anna"],
        ["northwind-health"],
        ["Incident review", "Simulation", "Handover", "Medication safety"],
        "Clinicians and quality managers review incidents without blame and turn them into "
        "changes of practice.",
    ),
    (
        "donnees-ouvertes",
        "Données ouvertes en pratique",
        "Publier et réutiliser les données publiques, proprement.",
        "fr",
        "public",
        "open",
        "grace",
        ["sofia"],
        ["noah", "yusuf", "arjun", "emma", "sara", "mateo", "camille"],
        [],
        ["open-data-collective", "universite-lyonnais"],
        ["Qualité des données", "Licences", "Visualisation", "Python"],
        "Bénévoles, chercheurs et agents publics s’entraident pour publier des jeux de données "
        "utiles et documentés.",
    ),
    (
        "warehouse-lean",
        "Warehouse Lean Circle",
        "Continuous improvement on the warehouse floor.",
        "en",
        "hidden",
        "invitation",
        "kenji",
        ["samuel"],
        ["mateo", "mei", "priya"],
        [],
        ["harbour-logistics"],
        ["Lean", "Safety", "Automation"],
        "A small circle of operations leads who compare improvement experiments.",
    ),
    (
        "communities-research",
        "Research on Communities of Practice",
        "How people learn together at work, and how to help them.",
        "en",
        "public",
        "approval",
        "ines",
        ["tomas"],
        ["anna", "rafael", "grace", "ben"],
        ["amara"],
        ["universite-lyonnais"],
        ["Learning theory", "Network analysis", "Value creation"],
        "Researchers and practitioners discuss the literature and their field studies.",
    ),
]
RELATED = [("service-design", "donnees-ouvertes"), ("communities-research", "service-design")]


def _member(username: str) -> User:
    return User.objects.get(username=username)


def load(out: TextIO) -> None:
    created = 0
    for (
        slug,
        name,
        domain,
        language,
        visibility,
        join_policy,
        coordinator,
        moderators,
        members,
        pending,
        organisations,
        topics,
        description,
    ) in COMMUNITIES:
        if Community.objects.filter(slug=slug).exists():
            continue
        community = services.community_create(
            actor=_member(coordinator),
            name=name,
            domain=domain,
            description=description,
            charter="",
            language=language,
            visibility=visibility,
            join_policy=join_policy,
            tags=topics,
            organisations=Organisation.objects.filter(slug__in=organisations),
            slug=slug,
        )
        now = timezone.now()
        for username in moderators:
            Membership.objects.create(
                community=community,
                member=_member(username),
                role=Membership.Role.MODERATOR,
                joined_at=now,
            )
        for number, username in enumerate(members):
            # Some members joined long ago, the last one recently (a newcomer).
            joined = now - timedelta(days=5 if number == len(members) - 1 else 200 + number)
            Membership.objects.create(
                community=community, member=_member(username), joined_at=joined
            )
        for username in pending:
            Membership.objects.create(
                community=community,
                member=_member(username),
                status=Membership.Status.PENDING,
                message="I would love to learn from you all."
                if language == "en"
                else "J’aimerais beaucoup apprendre de vous.",
            )
        created += 1
    for first, second in RELATED:
        a, b = (
            Community.objects.filter(slug=first).first(),
            Community.objects.filter(slug=second).first(),
        )
        if a is not None and b is not None:
            a.related.add(b)
    if created:
        out.write(f"Created {created} demo communities.\n")
