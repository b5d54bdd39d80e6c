"""Demo knowledge: articles of every type in English and French, some verified, one expiring,
one needing review, one archived with its replacement, one captured from a solved demo
question, and a learning path in every demo community."""

from __future__ import annotations

from datetime import timedelta
from typing import TextIO

from django.utils import timezone

from guilde.accounts.models import User
from guilde.communities.models import Community, Membership
from guilde.discussions.models import Thread
from guilde.knowledge import services
from guilde.knowledge.models import Article, LearningPath

# community: [(kind, author, title, body, state)] — state: published, verified, expiring,
# needs_review, draft.
ARTICLES: dict[str, list[tuple[str, str, str, str, str]]] = {
    "service-design": [
        (
            "guide",
            "camille",
            "Running your first service blueprint workshop",
            "A blueprint maps what users do, what they see, and what happens behind the scenes.\n\n"
            "## Before the workshop\n\n- Pick **one** journey, start to end.\n- Invite front-line staff, "
            "not only managers.\n\n## During\n\n1. Map the user's steps first.\n2. Add the front stage, "
            "then the back stage.\n3. Mark the pain points with the people who feel them.\n",
            "verified",
        ),
        (
            "case_study",
            "chloe",
            "Redesigning the housing benefit claim with claimants",
            "## Context\n\nA city's housing benefit form took 70 minutes on average.\n\n## Challenge\n\n"
            "Half of the claims came back incomplete.\n\n## What was done\n\nEight co-design sessions with "
            "claimants and caseworkers; three prototypes tested in the waiting room.\n\n## Results\n\n"
            "Median time down to 25 minutes; incomplete claims down from 50 % to 12 %.\n\n## Lessons\n\n"
            "Test the paper version first: it is where people really are.\n",
            "expiring",
        ),
        (
            "glossary",
            "zoe",
            "Front stage and back stage",
            "**Front stage**: what the user sees and touches. **Back stage**: what staff and systems do "
            "out of sight to make it happen.\n",
            "published",
        ),
        (
            "resource",
            "emma",
            "A checklist for accessible prototypes",
            "Our one-page checklist: contrast, keyboard, plain language, screen readers.\n",
            "published",
        ),
    ],
    "renovation-energetique": [
        (
            "best_practice",
            "lea",
            "Vérifier l’étanchéité à l’air avant d’isoler",
            "Un test d’infiltrométrie **avant** les travaux repère les fuites qu’aucun isolant ne "
            "compensera.\n\n- Menuiseries\n- Traversées de gaines\n- Jonctions plancher-mur\n",
            "verified",
        ),
        (
            "lesson",
            "jules",
            "Chantier participatif rue des Lilas : ce que nous referions",
            "## Context\n\nIsolation des combles de 12 logements avec les habitants.\n\n## Challenge\n\n"
            "Coordonner 30 bénévoles sur deux week-ends.\n\n## What was done\n\nUn binôme habitant-artisan "
            "par équipe, un briefing sécurité chaque matin.\n\n## Results\n\n11 logements isolés, "
            "27 % de consommation en moins le premier hiver.\n\n## Lessons\n\nPrévoir un troisième "
            "week-end : la météo décide.\n",
            "needs_review",
        ),
        (
            "glossary",
            "lucas",
            "Résistance thermique (R)",
            "Capacité d’un matériau à freiner la chaleur, en m²·K/W. Plus R est élevé, mieux c’est : "
            "R ≥ 7 pour des combles perdus.\n",
            "published",
        ),
    ],
    "patient-safety": [
        (
            "guide",
            "amara",
            "How we run a blame-free incident review",
            "1. Gather the timeline before anyone explains.\n2. Ask *what* made sense at the time, not "
            "*who*.\n3. End with one change the team owns.\n",
            "verified",
        ),
        (
            "best_practice",
            "oliver",
            "SBAR for every handover",
            "**S**ituation, **B**ackground, **A**ssessment, **R**ecommendation — in that order, every "
            "time, even when it feels slow.\n",
            "published",
        ),
    ],
    "donnees-ouvertes": [
        (
            "guide",
            "grace",
            "Choisir une licence pour un jeu de données",
            "Pour les données publiques, la Licence Ouverte 2.0 ou l’ODbL. La première permet tout "
            "usage avec attribution ; la seconde impose de repartager à l’identique.\n",
            "verified",
        ),
        (
            "resource",
            "sofia",
            "Le guide data.gouv.fr de publication",
            "Le guide officiel, pas à pas, pour publier un jeu de données propre.\n",
            "published",
        ),
    ],
    "warehouse-lean": [
        (
            "best_practice",
            "kenji",
            "Five-minute start-of-shift huddle",
            "Safety first, yesterday's numbers second, today's one problem third. Standing, at the "
            "board, five minutes.\n",
            "published",
        ),
    ],
    "communities-research": [
        (
            "guide",
            "ines",
            "Measuring value creation in a community of practice",
            "Wenger, Trayner and de Laat suggest five cycles of value: immediate, potential, applied, "
            "realised and reframing. Collect **stories** that link them, not only numbers.\n",
            "verified",
        ),
        (
            "glossary",
            "tomas",
            "Legitimate peripheral participation",
            "How newcomers learn by taking part in real work at the edge of the community, then move "
            "towards its centre.\n",
            "published",
        ),
    ],
}
RESOURCE_URLS = {
    "A checklist for accessible prototypes": "https://www.w3.org/WAI/test-evaluate/preliminary/",
    "Le guide data.gouv.fr de publication": "https://guides.data.gouv.fr/",
}


def _member(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _coordinator(community: Community) -> User:
    membership = (
        Membership.objects.filter(community=community, role="coordinator")
        .select_related("member")
        .first()
    )
    if membership is None:
        raise LookupError(f"the demo community {community.slug} has no coordinator")
    return membership.member


def _author(username: str, community: Community) -> User:
    """The demo member, if they belong to the community; else its coordinator."""
    member = _member(username)
    in_community = Membership.objects.filter(community=community, member=member).exists()
    return member if member is not None and in_community else _coordinator(community)


def load(out: TextIO) -> None:
    if Article.objects.exists():
        return
    created = 0
    for slug, articles in ARTICLES.items():
        community = Community.objects.filter(slug=slug).first()
        if community is None:
            continue
        coordinator = _coordinator(community)
        made: list[Article] = []
        for kind, username, title, body, state in articles:
            author = _author(username, community)
            article = services.article_create(
                actor=author,
                community=community,
                kind=kind,
                title=title,
                body=body,
                url=RESOURCE_URLS.get(title, ""),
                publish_now=state != "draft",
            )
            if state in ("verified", "expiring", "needs_review"):
                services.article_verify(actor=coordinator, article=article)
            if state == "expiring":
                Article.objects.filter(pk=article.pk).update(
                    verification_expires_at=timezone.now() + timedelta(days=9)
                )
            if state == "needs_review":
                Article.objects.filter(pk=article.pk).update(
                    verification_expires_at=timezone.now() - timedelta(days=1)
                )
                services.expire_verifications()
            made.append(article)
            created += 1
        if made:
            path = services.path_save(
                actor=coordinator,
                community=community,
                title=f"Getting started: {community.name}"
                if community.language == "en"
                else f"Bien démarrer : {community.name}",
            )
            section = services.section_add(
                actor=coordinator,
                path=path,
                title="The essentials" if community.language == "en" else "L’essentiel",
            )
            for article in made[:3]:
                services.step_add(actor=coordinator, section=section, article=article)
            first_thread = (
                Thread.objects.filter(community=community).listed().order_by("created_at").first()
            )
            if first_thread is not None:
                services.step_add(actor=coordinator, section=section, thread=first_thread)
    # An article archived in favour of a newer one.
    community = Community.objects.filter(slug="service-design").first()
    if community is not None:
        camille = _author("camille", community)
        old = services.article_create(
            actor=camille,
            community=community,
            kind="guide",
            title="Blueprint template (2022)",
            body="The template we used before the 2024 workshop format.\n",
            publish_now=True,
        )
        replacement = Article.objects.get(
            community=community, title="Running your first service blueprint workshop"
        )
        services.article_archive(actor=camille, article=old, replaced_by=replacement)
        # A solved question captured as an article (provenance both ways).
        solved = Thread.objects.filter(
            community=community, kind="question", accepted_post__isnull=False
        ).first()
        if solved is not None:
            source = services.source_from_thread(viewer=camille, thread=solved)
            captured = services.promote(actor=camille, source=source)
            services.article_publish(actor=camille, article=captured)
            created += 1
        created += 1
    out.write(
        f"Created {created} demo articles and {LearningPath.objects.count()} learning paths.\n"
    )
