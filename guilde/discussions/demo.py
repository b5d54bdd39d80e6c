"""Demo threads: every kind in every demo community, in its language, with answers,
votes, reactions and accepted answers."""

from __future__ import annotations

from typing import Any, TextIO

from django.utils.text import slugify

from guilde.accounts.models import User
from guilde.communities.models import Community
from guilde.discussions import services
from guilde.discussions.models import Thread

# community: [(kind, author, title, body, tags, [(author, reply)], accepted reply index or None,
#              voters of the opening post, idea status)]
THREADS: dict[str, list[tuple[Any, ...]]] = {
    "service-design": [
        (
            "question",
            "zoe",
            "How do you recruit participants for research with people on benefits?",
            "We want to interview people who claim housing benefit, but our usual panel does not reach them. "
            "How do you find participants — and **pay them** without affecting their benefits?",
            ["user-research"],
            [
                (
                    "camille",
                    "We work with local charities: they introduce us, and we pay with vouchers the benefit "
                    "office confirmed are not counted as income. Ask your welfare officer first.",
                ),
                (
                    "emma",
                    "Libraries and job centres let us put up posters. Keep sessions short and in places people already go.",
                ),
                (
                    "ines",
                    "There is good literature on this: look for *participatory research with low-income households*.",
                ),
            ],
            0,
            ["fatou", "emma", "priya", "nina"],
            "",
        ),
        (
            "discussion",
            "camille",
            "Service blueprints: how much detail is too much?",
            "Our blueprints grow to 40 columns and nobody reads them. What level of detail works for you?\n\n"
            "| Level | Good for |\n|---|---|\n| Journey | alignment |\n| Blueprint | delivery |",
            ["service-blueprints"],
            [
                (
                    "chloe",
                    "We keep one page per stage and link them. The overview fits on an A3 sheet.",
                ),
                (
                    "priya",
                    "Developers love the backstage lanes; executives only read the frontstage.",
                ),
            ],
            None,
            ["chloe"],
            "",
        ),
        (
            "idea",
            "fatou",
            "A shared library of accessible form patterns",
            "What if we collected the form patterns each of us tested with assistive technologies, with the test notes?",
            ["accessibility"],
            [("sara", "Yes please — I can add what we learnt with screen readers in Arabic.")],
            None,
            ["camille", "chloe", "emma", "sara", "nina"],
            "planned",
        ),
        (
            "announcement",
            "camille",
            "Welcome to the community — start here",
            "Introduce yourself in a reply: where you work, what you design, what you want to learn. "
            "Read the charter, and ask your first question when you are ready: there are no silly ones.",
            [],
            [
                (
                    "ben",
                    "Hello! Independent facilitator from Toronto, keen to learn about blueprints.",
                )
            ],
            None,
            [],
            "",
        ),
    ],
    "renovation-energetique": [
        (
            "question",
            "hugo",
            "Isolation par l’intérieur d’un mur en pierre : quel pare-vapeur ?",
            "Maison de 1900, murs en pierre de 50 cm. Le client veut isoler par l’intérieur. "
            "Je crains la condensation : frein-vapeur hygrovariable ou rien du tout ?",
            ["isolation"],
            [
                (
                    "lucas",
                    "Sur de la pierre, évite le pare-vapeur étanche. Un frein-vapeur hygrovariable et un isolant "
                    "capillaire (fibre de bois, chaux-chanvre) laissent le mur sécher vers l’intérieur.",
                ),
                (
                    "elise",
                    "Fais d’abord vérifier les remontées capillaires et l’état des joints extérieurs.",
                ),
                (
                    "jules",
                    "Une simulation WUFI sur ce mur te rassurera ; je peux t’aider à la paramétrer.",
                ),
            ],
            0,
            ["lea", "elise", "jules"],
            "",
        ),
        (
            "discussion",
            "lea",
            "Retour d’expérience : chantier participatif à Grenoble",
            "Nous avons isolé les combles de six maisons avec les habitants. Ce qui a marché, ce qui a coincé :\n\n"
            "1. la formation de deux heures avant le chantier ;\n2. les horaires (le samedi matin seulement) ;\n3. l’assurance.",
            ["chantiers-participatifs"],
            [
                (
                    "marie",
                    "Très intéressant ! Comment avez-vous réglé la question de l’assurance ?",
                ),
                (
                    "lea",
                    "Une convention avec l’assureur de la coopérative, signée par chaque participant.",
                ),
            ],
            None,
            ["marie", "hugo"],
            "",
        ),
        (
            "idea",
            "jules",
            "Un modèle commun de rapport d’audit",
            "Chacun a son format de rapport. Proposons un modèle commun, plus lisible pour les ménages.",
            ["audit-energetique"],
            [],
            None,
            ["lea", "lucas", "elise"],
            "considering",
        ),
    ],
    "patient-safety": [
        (
            "question",
            "liam",
            "Handover between ambulance crews and the emergency department",
            "Our handovers get interrupted and details are lost. Has anyone used a structured format that stuck?",
            ["handover"],
            [
                (
                    "david",
                    "SBAR worked for us once we printed it on the trolley and rehearsed it in simulation.",
                ),
                ("marie", "We added a rule: nobody talks to the crew during the first 60 seconds."),
            ],
            1,
            ["oliver", "amara", "samuel"],
            "",
        ),
        (
            "discussion",
            "amara",
            "Near miss of the month: two patients with the same name",
            "Two patients named J. Smith arrived within an hour. Wristbands saved us. What barriers do you use?",
            ["incident-review"],
            [("oliver", "We flag same-name patients on the board in a different colour.")],
            None,
            ["david"],
            "",
        ),
        (
            "idea",
            "oliver",
            "Monthly simulation of a medication error",
            "Run a short in-situ simulation each month on a realistic medication error, then share the learning here.",
            ["simulation", "medication-safety"],
            [],
            None,
            ["amara", "liam"],
            "",
        ),
    ],
    "donnees-ouvertes": [
        (
            "question",
            "noah",
            "Quelle licence pour publier des données d’une association ?",
            "Notre association veut publier ses relevés de qualité de l’air. Licence Ouverte ou ODbL ?",
            ["licences"],
            [
                (
                    "sofia",
                    "La Licence Ouverte 2.0 si vous voulez une réutilisation maximale ; l’ODbL si vous tenez au partage à l’identique.",
                ),
                (
                    "grace",
                    "Documentez aussi la méthode de mesure : c’est ce qui rend les données réutilisables.",
                ),
            ],
            0,
            ["yusuf", "arjun", "grace"],
            "",
        ),
        (
            "discussion",
            "sofia",
            "Nettoyer des dates dans tous les formats avec Python",
            "Voici ce que j’utilise pour normaliser des dates saisies à la main :\n\n"
            "```python\nfrom dateutil import parser\n\ndef normalise(text):\n    return parser.parse(text, dayfirst=True).date()\n```\n\n"
            "Vos astuces pour les cas tordus ?",
            ["python", "qualite-des-donnees"],
            [
                (
                    "arjun",
                    "Garde toujours la valeur d’origine dans une colonne à part, pour pouvoir corriger plus tard.",
                )
            ],
            None,
            ["noah", "emma", "mateo"],
            "",
        ),
        (
            "idea",
            "yusuf",
            "Une carte collaborative des jeux de données locaux",
            "Recenser sur une carte les données ouvertes de chaque commune, avec leur fraîcheur.",
            ["visualisation"],
            [("emma", "Je peux faire la maquette de la carte.")],
            None,
            ["sofia", "grace", "emma", "noah"],
            "done",
        ),
        (
            "announcement",
            "grace",
            "Rencontre mensuelle : jeudi 18 h",
            "Comme chaque mois, rencontre en ligne jeudi à 18 h : présentation de trois jeux de données et questions libres.",
            [],
            [],
            None,
            [],
            "",
        ),
    ],
    "warehouse-lean": [
        (
            "discussion",
            "kenji",
            "5S audit results, third quarter",
            "Zone B went from 62 % to 81 %. The shadow boards made the difference. Zone D is stuck: ideas?",
            ["lean"],
            [
                (
                    "samuel",
                    "Zone D has the most temporary staff: shorter, visual instructions helped us elsewhere.",
                )
            ],
            None,
            ["mateo"],
            "",
        ),
        (
            "question",
            "mei",
            "Slotting fast movers near the dock: worth it?",
            "Moving our fastest 5 % of items near the dock would take two weekends. Has anyone measured the gain?",
            ["automation"],
            [
                (
                    "priya",
                    "We measured 14 % less walking per pick after re-slotting, and fewer collisions.",
                )
            ],
            0,
            ["kenji", "samuel"],
            "",
        ),
    ],
    "communities-research": [
        (
            "question",
            "anna",
            "Measuring value creation in communities of practice",
            "I am designing a study of knowledge sharing across hospitals. Is the value-creation framework of "
            "Wenger, Trayner and de Laat (2011) used beyond self-reported stories?",
            ["value-creation"],
            [
                (
                    "ines",
                    "Yes: pair the value-creation stories with indicators for each cycle (immediate, potential, "
                    "applied, realised, reframing). The stories give meaning, the indicators give scale.",
                ),
                (
                    "rafael",
                    "Network data helps for the 'potential value' cycle: who connects to whom across units.",
                ),
            ],
            0,
            ["tomas", "grace", "ben"],
            "",
        ),
        (
            "discussion",
            "tomas",
            "Reading group: Lave & Wenger, Situated Learning",
            "Let us read chapter 4 on legitimate peripheral participation for next month and discuss it here.",
            ["learning-theory"],
            [
                ("anna", "Count me in."),
                ("grace", "Me too — it speaks to how we welcome newcomers."),
            ],
            None,
            ["ines"],
            "",
        ),
        (
            "idea",
            "rafael",
            "An open dataset of community interaction networks",
            "Share anonymised interaction networks from our communities so that we can compare structures.",
            ["network-analysis"],
            [],
            None,
            ["anna", "ines"],
            "considering",
        ),
    ],
}


def _member(username: str) -> User:
    return User.objects.get(username=username)


def load(out: TextIO) -> None:
    created = 0
    for slug, threads in THREADS.items():
        community = Community.objects.filter(slug=slug).first()
        if community is None or Thread.objects.filter(community=community).exists():
            continue
        # Topics by their ASCII short name ("audit-energetique" finds "audit-énergétique").
        tag_slugs = {slugify(slug): slug for slug in community.tags.values_list("slug", flat=True)}
        for kind, author, title, body, tags, replies, accepted, voters, idea_status in threads:
            thread = services.thread_create(
                actor=_member(author),
                community=community,
                kind=kind,
                title=title,
                body=body,
                tags=[tag_slugs[tag] for tag in tags if tag in tag_slugs],
            )
            opening = thread.posts.get(position=1)
            posts = [
                services.post_create(actor=_member(who), thread=thread, body=text)
                for who, text in replies
            ]
            for voter in voters:
                services.vote_set(actor=_member(voter), post=opening, value=1)
            for number, post in enumerate(posts):
                if thread.is_question:
                    for voter in voters[: max(len(voters) - number, 0)]:
                        if post.author_id != _member(voter).pk:
                            services.vote_set(actor=_member(voter), post=post, value=1)
                services.reaction_toggle(actor=_member(author), post=post, kind="thanks")
            if accepted is not None:
                services.answer_accept(actor=_member(author), thread=thread, post=posts[accepted])
            if idea_status:
                coordinator = community.memberships.filter(role="coordinator").first()
                if coordinator is not None:
                    services.idea_status_set(
                        actor=coordinator.member, thread=thread, status=idea_status
                    )
            created += 1
    if created:
        out.write(f"Created {created} demo threads.\n")
