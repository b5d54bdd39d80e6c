"""A realistic, deterministic data set at any scale (``guilde generate``).

Shapes, not noise: member activity follows a Zipf law (a few members write most posts),
thread lengths are long-tailed (most threads short, a few very long), communities differ
in size (also Zipf), half the threads are questions and most questions get an accepted
answer, votes go mostly to early and accepted answers, some communities write French;
each community runs a mentoring programme matched by the product's own matcher.
Everything comes from one seeded random generator: the same seed gives the same rows.

Rows go in with ``bulk_create`` in transactions of :data:`CHUNK`; text is rendered once
per generated paragraph (plain paragraphs render the same in Guilde's Markdown pipeline),
so a million posts take minutes, not hours. The canonical benchmark data set is
``--preset bench-1m``; ``--preset small`` is for tests and demos of scale.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any

from django.db import connection, transaction
from django.db.models import Count
from django.utils.html import escape
from django.utils.text import slugify

from guilde.accounts.models import (
    Affiliation,
    MemberLanguage,
    MemberSkill,
    Organisation,
    Skill,
    User,
)
from guilde.communities.models import Community, Membership, Tag
from guilde.core import indexing
from guilde.discussions.models import Post, Thread, Vote
from guilde.events import recurrence
from guilde.events.models import Event, EventRole, Registration
from guilde.knowledge.models import Article, ArticleRevision
from guilde.mentoring.models import (
    SLOTS,
    Application,
    CheckIn,
    Goal,
    Match,
    Programme,
    Relationship,
    Resource,
)
from guilde.mentoring.models import Feedback as MentoringFeedback

CHUNK = 5000
START = datetime(2021, 1, 4, 8, 0, tzinfo=UTC)
SPAN_DAYS = 5 * 365
END = START + timedelta(days=SPAN_DAYS)


@dataclass(frozen=True)
class Preset:
    members: int
    posts: int
    communities: int
    seed: int = 1


PRESETS = {
    "bench-1m": Preset(members=20_000, posts=1_000_000, communities=50),
    "small": Preset(members=300, posts=6_000, communities=6),
}

WORDS_EN = (
    "practice team project method review design research user service data quality safety "
    "process tool workshop feedback lesson evidence pattern community learning mentor "
    "question answer approach result experiment prototype standard guide risk change plan "
    "measure value impact workflow incident handover training habit tip example case budget"
).split()
WORDS_FR = (
    "pratique équipe projet méthode revue conception recherche usager service données qualité "
    "sécurité processus outil atelier retour leçon preuve modèle communauté apprentissage "
    "mentor question réponse démarche résultat essai prototype norme guide risque changement "
    "plan mesure valeur impact chantier incident passation formation habitude astuce exemple"
).split()
FIRST = (
    "Ada Ben Chloé David Emma Fatou Grace Hugo Inès Jules Kenji Léa Mei Noah Oliver Priya "
    "Rafael Sara Tomás Yusuf Zoé Amara Liam Marie"
).split()
LAST = (
    "Martin Bernard Dubois Smith Johnson Nguyen Diallo Moreau Garcia Rossi Müller Kowalski "
    "Tanaka Okafor Silva Laurent Petit Durand Leroy Girard"
).split()
DOMAINS = (
    "Service design", "Energy retrofit", "Patient safety", "Open data", "Lean warehouse",
    "Community research", "Data engineering", "Accessibility", "Urban farming", "Teaching maths",
    "Cyber security", "Product management", "Nursing practice", "Civic tech", "Water management",
)  # fmt: skip


def _zipf_weights(count: int, exponent: float = 1.1) -> list[float]:
    """Cumulative weights of a Zipf law over ``count`` ranks."""
    total, cumulative = 0.0, []
    for rank in range(1, count + 1):
        total += 1.0 / rank**exponent
        cumulative.append(total)
    return cumulative


@dataclass
class Generator:
    members: int
    posts: int
    communities: int
    seed: int = 1
    random: random.Random = field(init=False)
    counts: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)  # noqa: S311 - data, not secrets
        self._paragraphs: dict[str, list[tuple[str, str]]] = {}

    # Text ----------------------------------------------------------------------------------

    def _sentence(self, words: list[str], length: int) -> str:
        return self._sentence_from(self.random, words, length)

    def _paragraph_pool(self, language: str) -> list[tuple[str, str]]:
        """A few hundred paragraphs per language, rendered once: (Markdown, HTML)."""
        if language not in self._paragraphs:
            words = WORDS_FR if language == "fr" else WORDS_EN
            pool = []
            for _ in range(400):
                text = " ".join(
                    self._sentence(words, self.random.randint(6, 16))
                    for _ in range(self.random.randint(1, 4))
                )
                pool.append((text, f"<p>{escape(text)}</p>"))
            self._paragraphs[language] = pool
        return self._paragraphs[language]

    def _body(self, language: str) -> tuple[str, str]:
        pool = self._paragraph_pool(language)
        picked = [self.random.choice(pool) for _ in range(self.random.choice((1, 1, 2, 2, 3)))]
        return "\n\n".join(p[0] for p in picked), "\n".join(p[1] for p in picked)

    def _title(self, language: str) -> str:
        words = WORDS_FR if language == "fr" else WORDS_EN
        return self._sentence(words, self.random.randint(4, 9))[:-1] + "?"

    def _moment(self) -> datetime:
        return START + timedelta(seconds=self.random.randint(0, SPAN_DAYS * 86400))

    # Steps ---------------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        started = time.monotonic()
        member_ids = self._members()
        communities = self._communities(member_ids)
        self._threads_and_posts(communities)
        self._articles(communities)
        self.profiles(member_ids)
        self.events()
        self.mentoring()
        self.stories([community for community, *_rest in communities])
        # Searchable like anything written through the services (in batches of its own).
        indexing.changed("member", *member_ids)
        indexing.changed("community_content", *[c.pk for c, *_rest in communities])
        if connection.vendor == "postgresql":
            # The planner's statistics for what was just loaded: without them (autovacuum
            # comes later) it takes a million rows for a handful and drives joins from the
            # wrong side (the home page's unread counts: 250 ms instead of 2).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.counts["seconds"] = round(time.monotonic() - started, 1)
        return self.counts

    def profiles(self, member_ids: list[int]) -> None:
        """Skills (with levels), interests, learning goals, languages, organisations and
        availability for the generated members who have none, from a random stream of
        their own (the rest of the data set does not depend on them). Terms are the
        communities' topic words, so that skills, tags and learning goals meet."""
        chooser = random.Random(self.seed + 7)  # noqa: S311 - data, not secrets
        have = set(
            MemberSkill.objects.filter(member_id__in=member_ids).values_list("member_id", flat=True)
        )
        vocabulary = [*WORDS_EN, *WORDS_FR]
        skills = {slugify(word, allow_unicode=True): word for word in vocabulary}
        for slug, name in skills.items():
            Skill.objects.get_or_create(slug=slug, defaults={"name": name})
        skill_ids = dict(Skill.objects.filter(slug__in=skills).values_list("slug", "pk"))
        terms = [skill_ids[slug] for slug in skills]
        weights = _zipf_weights(len(terms), 0.8)
        organisations = []
        for number in range(100):
            organisation, _created = Organisation.objects.get_or_create(
                slug=f"gen-org-{number}", defaults={"name": f"Organisation {number}"}
            )
            organisations.append(organisation.pk)
        levels = [level for level, _label in MemberSkill.Level.choices]
        rows: list[MemberSkill] = []
        languages: list[MemberLanguage] = []
        affiliations: list[Affiliation] = []
        changed: list[User] = []
        for member in member_ids:
            if member in have:
                continue
            picked: set[int] = set()
            for kind, most in (("skill", 5), ("interest", 4), ("learning", 2)):
                for term in chooser.choices(terms, cum_weights=weights, k=chooser.randint(0, most)):
                    if term in picked:
                        continue
                    picked.add(term)
                    level = chooser.choice(levels) if kind == "skill" else ""
                    rows.append(
                        MemberSkill(member_id=member, skill_id=term, kind=kind, level=level)
                    )
            for code in {"en", chooser.choice(("fr", "fr", "de", "es", "en"))}:
                languages.append(MemberLanguage(member_id=member, code=code))
            if chooser.random() < 0.4:
                affiliations.append(
                    Affiliation(
                        member_id=member,
                        organisation_id=organisations[int(chooser.paretovariate(1.2)) % 100],
                    )
                )
            visibility = {}
            if chooser.random() < 0.1:
                visibility["skills"] = "private"
            if chooser.random() < 0.1:
                visibility["organisations"] = "communities"
            changed.append(
                User(
                    pk=member,
                    open_to_questions=chooser.random() < 0.3,
                    open_to_mentor=chooser.random() < 0.1,
                    field_visibility=visibility,
                )
            )
        for start in range(0, len(rows), CHUNK):
            with transaction.atomic():
                MemberSkill.objects.bulk_create(rows[start : start + CHUNK], ignore_conflicts=True)
        with transaction.atomic():
            MemberLanguage.objects.bulk_create(languages, batch_size=CHUNK, ignore_conflicts=True)
            Affiliation.objects.bulk_create(affiliations, batch_size=CHUNK, ignore_conflicts=True)
            User.objects.bulk_update(
                changed,
                ["open_to_questions", "open_to_mentor", "field_visibility"],
                batch_size=CHUNK,
            )
        self.counts["member_skills"] = len(rows)

    def _members(self) -> list[int]:
        existing = User.objects.filter(username__startswith="gen-").count()
        users = []
        for number in range(existing, self.members):
            name = f"{self.random.choice(FIRST)} {self.random.choice(LAST)}"
            user = User(
                username=f"gen-{number}",
                email=f"gen-{number}@example.invalid",
                display_name=name,
                date_joined=START - timedelta(days=self.random.randint(0, 400)),
                time_zone=self.random.choice(
                    ("Europe/Paris", "Europe/London", "America/Montreal", "Asia/Tokyo")
                ),
                language=self.random.choice(("en", "en", "fr")),
            )
            user.set_unusable_password()
            users.append(user)
        for start in range(0, len(users), CHUNK):
            with transaction.atomic():
                User.objects.bulk_create(users[start : start + CHUNK])
        self.counts["members"] = self.members
        return list(
            User.objects.filter(username__startswith="gen-")
            .order_by("pk")
            .values_list("pk", flat=True)
        )

    def _communities(
        self, member_ids: list[int]
    ) -> list[tuple[Community, list[int], list[int], str]]:
        """Communities with their members (most active first), tags and language."""
        made: list[tuple[Community, list[int], list[int], str]] = []
        sizes = _zipf_weights(self.communities, 0.9)
        largest = sizes[0]
        for number in range(self.communities):
            domain = DOMAINS[number % len(DOMAINS)]
            language = "fr" if number % 4 == 3 else "en"
            roll = self.random.random()
            visibility = "public" if roll < 0.8 else ("private" if roll < 0.95 else "hidden")
            community, _created = Community.objects.get_or_create(
                slug=f"gen-{number}",
                defaults={
                    "name": f"{domain} {number}",
                    "domain": f"Practitioners of {domain.lower()} share what they learn.",
                    "language": language,
                    "visibility": visibility,
                    "join_policy": {"public": "open", "private": "approval"}.get(
                        visibility, "invitation"
                    ),
                },
            )
            # Community sizes follow a Zipf law too: the first ones are the busiest.
            share = (1.0 / (number + 1) ** 0.9) / (largest / self.communities) / self.communities
            size = max(20, min(len(member_ids), int(len(member_ids) * 0.5 * share)))
            people = self.random.sample(member_ids, size)
            words = WORDS_FR if language == "fr" else WORDS_EN
            names = sorted({self.random.choice(words) for _ in range(self.random.randint(8, 20))})
            tags = [Tag(community=community, name=name, slug=slugify(name)[:60]) for name in names]
            with transaction.atomic():
                Tag.objects.bulk_create(tags, ignore_conflicts=True)
                roles = ["coordinator"] + ["moderator"] * min(3, size // 50) + ["member"] * size
                Membership.objects.bulk_create(
                    [
                        Membership(
                            community=community,
                            member_id=member,
                            role=roles[index] if index < len(roles) else "member",
                            joined_at=START - timedelta(days=self.random.randint(0, 300)),
                        )
                        for index, member in enumerate(people)
                    ],
                    ignore_conflicts=True,
                )
            tag_ids = list(Tag.objects.filter(community=community).values_list("pk", flat=True))
            made.append((community, people, tag_ids, language))
        self.counts["communities"] = self.communities
        return made

    def _who(self, people: list[int], weights: list[float]) -> int:
        """A member of the community, the most active ones most often (Zipf)."""
        return people[bisect.bisect(weights, self.random.random() * weights[-1]) % len(people)]

    def _thread_lengths(self, total: int) -> Iterator[int]:
        """Long-tailed thread lengths (opening post included) adding up to ``total``."""
        left = total
        while left > 0:
            length = 1 + min(int(self.random.lognormvariate(1.6, 1.0)), 400)
            length = min(length, left)
            left -= length
            yield length

    def _threads_and_posts(
        self, communities: list[tuple[Community, list[int], list[int], str]]
    ) -> None:
        community_weights = _zipf_weights(len(communities), 0.9)
        # Within each community, members' activity follows a Zipf law.
        activity = {c.pk: _zipf_weights(len(people), 1.1) for c, people, _t, _l in communities}
        threads_made = posts_made = votes_made = accepted = 0
        pending_threads: list[tuple[Thread, list[Post], list[int]]] = []
        lengths = self._thread_lengths(self.posts)
        for length in lengths:
            community, people, tag_ids, language = communities[
                bisect.bisect(community_weights, self.random.random() * community_weights[-1])
            ]
            weights = activity[community.pk]

            kind = self.random.choices(
                ("question", "discussion", "idea", "announcement"), (50, 35, 10, 5)
            )[0]
            created = self._moment()
            thread = Thread(
                community_id=community.pk,
                kind=kind,
                title=self._title(language),
                author_id=self._who(people, weights),
                created_at=created,
                last_position=length,
                reply_count=length - 1,
            )
            posts = []
            moment = created
            for position in range(1, length + 1):
                body, html = self._body(language)
                posts.append(
                    Post(
                        position=position,
                        author_id=thread.author_id if position == 1 else self._who(people, weights),
                        body=body,
                        body_html=html,
                        created_at=moment,
                    )
                )
                moment += timedelta(
                    minutes=self.random.randint(3, 60 * 24 * 3) // max(1, position // 5 + 1)
                )
            thread.last_activity_at = moment
            chosen_tags = self.random.sample(tag_ids, min(len(tag_ids), self.random.randint(0, 3)))
            pending_threads.append((thread, posts, chosen_tags))
            threads_made += 1
            posts_made += length
            if sum(len(p) for _t, p, _g in pending_threads) >= CHUNK:
                counted = self._flush(pending_threads)
                votes_made += counted[0]
                accepted += counted[1]
                pending_threads = []
        if pending_threads:
            counted = self._flush(pending_threads)
            votes_made += counted[0]
            accepted += counted[1]
        self.counts.update(
            threads=threads_made, posts=posts_made, votes=votes_made, accepted=accepted
        )

    def _flush(self, pending: list[tuple[Thread, list[Post], list[int]]]) -> tuple[int, int]:
        """Write a chunk of threads with their posts, tags, votes and accepted answers."""
        votes: list[Vote] = []
        accepted = 0
        with transaction.atomic():
            Thread.objects.bulk_create([t for t, _p, _g in pending])
            for thread, posts, _tags in pending:
                for post in posts:
                    post.thread = thread
            Post.objects.bulk_create(
                list(itertools.chain.from_iterable(p for _t, p, _g in pending))
            )
            through = Thread.tags.through
            through.objects.bulk_create(
                [through(thread_id=t.pk, tag_id=tag) for t, _p, tags in pending for tag in tags]
            )
            changed: list[Thread] = []
            scored: list[Post] = []
            for thread, posts, _tags in pending:
                voters = {p.author_id for p in posts if p.author_id is not None}
                for post in posts:
                    # Early answers and opening posts collect more votes.
                    expected = 1.2 / math.sqrt(post.position)
                    count = min(int(self.random.expovariate(1 / expected)), len(voters))
                    for voter in self.random.sample(sorted(voters), count):
                        if voter != post.author_id:
                            votes.append(
                                Vote(
                                    post=post, member_id=voter, value=1, created_at=post.created_at
                                )
                            )
                            post.score += 1
                    if post.score:
                        scored.append(post)
                thread.score = posts[0].score
                if thread.kind == "question" and len(posts) > 1 and self.random.random() < 0.65:
                    best = max(posts[1:], key=lambda p: p.score)
                    thread.accepted_post = best
                    thread.accepted_at = best.created_at + timedelta(
                        hours=self.random.randint(1, 72)
                    )
                    accepted += 1
                changed.append(thread)
            Vote.objects.bulk_create(votes, ignore_conflicts=True)
            Post.objects.bulk_update(scored, ["score"], batch_size=1000)
            Thread.objects.bulk_update(
                changed, ["score", "accepted_post", "accepted_at"], batch_size=1000
            )
        return len(votes), accepted

    def _articles(self, communities: list[tuple[Community, list[int], list[int], str]]) -> None:
        """About one article per 200 posts, with one to five revisions each."""
        total = max(1, self.posts // 200)
        statuses = ("published", "published", "verified", "verified", "needs_review", "draft")
        kinds = [k for k, _label in Article.Kind.choices]
        made = revisions = 0
        batch: list[tuple[Article, list[ArticleRevision]]] = []
        for _ in range(total):
            community, people, _tags, language = self.random.choice(communities)
            author = self.random.choice(people)
            created = self._moment()
            count = self.random.randint(1, 5)
            history = []
            for number in range(1, count + 1):
                body, _html = self._body(language)
                history.append(
                    ArticleRevision(
                        number=number,
                        title=self._title(language).rstrip("?"),
                        body=body,
                        author_id=self.random.choice(people),
                        created_at=created + timedelta(days=number * 7),
                    )
                )
            last = history[-1]
            status = self.random.choice(statuses)
            article = Article(
                community_id=community.pk,
                kind=self.random.choice(kinds),
                status=status,
                title=last.title,
                body=last.body,
                body_html="\n".join(f"<p>{escape(p)}</p>" for p in last.body.split("\n\n")),
                created_by_id=author,
                created_at=created,
                updated_at=last.created_at,
                published_at=created if status != "draft" else None,
                verified_at=last.created_at if status == "verified" else None,
                verification_expires_at=last.created_at + timedelta(days=180)
                if status == "verified"
                else None,
                revision_count=count,
                view_count=int(self.random.paretovariate(1.2) * 10),
            )
            batch.append((article, history))
            made += 1
            revisions += count
            if len(batch) >= 1000:
                self._flush_articles(batch)
                batch = []
        if batch:
            self._flush_articles(batch)
        self.counts.update(articles=made, article_revisions=revisions)

    def events(self) -> None:
        """About one event per thousand posts in the generated communities that have none,
        from a random stream of their own (the rest of the data set does not depend on
        them): every kind and format, a fifth of them weekly or monthly series, some
        cancelled, from the data set's first day to a year after its last (past and
        upcoming alike); hosts, a speaker, and answers from the community's members —
        seats limited for some, so that waitlists exist."""
        chooser = random.Random(self.seed + 14)  # noqa: S311 - data, not secrets
        generated = list(
            Community.objects.filter(slug__startswith="gen-")
            .exclude(pk__in=Event.objects.values("community_id"))
            .order_by("pk")
        )
        if not generated:
            return
        members: dict[int, list[int]] = {}
        for community_id, member_id in Membership.objects.filter(
            community__in=generated, status=Membership.Status.ACTIVE
        ).values_list("community_id", "member_id"):
            members.setdefault(community_id, []).append(member_id)
        tags: dict[int, list[int]] = {}
        for community_id, tag_id in Tag.objects.filter(community__in=generated).values_list(
            "community_id", "pk"
        ):
            tags.setdefault(community_id, []).append(tag_id)
        total = max(len(generated), self.posts // 1000)
        kinds = [k for k, _label in Event.Kind.choices]
        formats = [f for f, _label in Event.Format.choices]
        made = registrations = 0
        for _ in range(total):
            community = chooser.choice(generated)
            people = members.get(community.pk, [])
            if not people:
                continue
            language = community.language
            day = START + timedelta(days=chooser.randint(0, SPAN_DAYS + 365))
            zone = chooser.choice(EVENT_ZONES)
            start = day.replace(hour=chooser.choice((9, 12, 14, 17, 18)), minute=0)
            event_format = chooser.choice(formats)
            repeat = chooser.choice(("", "", "", "", "weekly", "monthly_weekday"))
            words = WORDS_FR if language == "fr" else WORDS_EN
            title = " ".join(chooser.choice(words) for _ in range(chooser.randint(3, 7)))
            text = " ".join(chooser.choice(words) for _ in range(chooser.randint(10, 40))) + "."
            event = Event(
                community_id=community.pk,
                title=title.capitalize(),
                kind=chooser.choice(kinds),
                format=event_format,
                venue="" if event_format == Event.Format.ONLINE else "Salle " + str(made % 40),
                join_url=""
                if event_format == Event.Format.IN_PERSON
                else "https://meet.example/" + str(made),
                start=start,
                end=start + timedelta(hours=chooser.choice((1, 2, 3))),
                time_zone=zone,
                repeat=repeat,
                repeat_count=chooser.randint(4, 12) if repeat else None,
                capacity_in_person=chooser.choice((None, None, 10, 30)),
                capacity_online=chooser.choice((None, None, None, 50)),
                status=Event.Status.CANCELLED
                if chooser.random() < 0.05
                else Event.Status.SCHEDULED,
                created_by_id=chooser.choice(people),
                created_at=start - timedelta(days=chooser.randint(3, 40)),
                updated_at=start - timedelta(days=1),
                description=text,
                description_html=f"<p>{escape(text)}</p>",
            )
            event.last_end = recurrence.series_last_end(event)
            event.save()
            if tags.get(community.pk):
                event.tags.set(chooser.sample(tags[community.pk], min(2, len(tags[community.pk]))))
            hosts = {int(event.created_by_id or people[0]), chooser.choice(people)}
            roles = [EventRole(event=event, member_id=m, role="host") for m in sorted(hosts)]
            roles.append(EventRole(event=event, member_id=chooser.choice(people), role="speaker"))
            EventRole.objects.bulk_create(roles, ignore_conflicts=True)
            answering = chooser.sample(people, min(len(people), chooser.randint(0, 40)))
            answers = [
                ("in_person", "online", "interested", "not_going")[chooser.randint(0, 3)]
                for _member in answering
            ]
            rows = []
            seats = {"in_person": 0, "online": 0}
            for number, (member, answer) in enumerate(zip(answering, answers, strict=True)):
                if answer == "in_person" and not event.in_person:
                    answer = "online"
                if answer == "online" and not event.online:
                    answer = "in_person"
                capacity = (
                    event.capacity_in_person if answer == "in_person" else event.capacity_online
                )
                waiting = False
                if answer in seats:
                    waiting = capacity is not None and seats[answer] >= capacity
                    seats[answer] += 0 if waiting else 1
                at = event.created_at + timedelta(minutes=number)
                rows.append(
                    Registration(
                        event=event,
                        member_id=member,
                        occurrence=start if repeat else None,
                        response=answer,
                        waitlisted=waiting,
                        waiting_since=at if waiting else None,
                        created_at=at,
                        updated_at=at,
                    )
                )
            Registration.objects.bulk_create(rows)
            made += 1
            registrations += len(rows)
        self.counts.update(events=made, event_registrations=registrations)

    def _flush_articles(self, batch: list[tuple[Article, list[ArticleRevision]]]) -> None:
        with transaction.atomic():
            Article.objects.bulk_create([a for a, _h in batch])
            for article, history in batch:
                for revision in history:
                    revision.article = article
            ArticleRevision.objects.bulk_create(
                list(itertools.chain.from_iterable(h for _a, h in batch))
            )

    # Value-creation stories ----------------------------------------------------------------

    def stories(self, communities: list[Community]) -> None:
        """A few stories in every generated community without any, from a random stream
        of their own (the rest of the data set does not depend on them)."""
        from guilde.analytics.models import Story

        chooser = random.Random(self.seed + 11)  # noqa: S311 - data, not secrets
        told = set(
            Story.objects.filter(community__in=communities).values_list("community_id", flat=True)
        )
        rows = []
        for community in communities:
            if community.pk not in told:
                rows.extend(_story_rows(community, chooser, END))
        Story.objects.bulk_create(rows, batch_size=CHUNK)
        self.counts["stories"] = len(rows)

    # Mentoring -----------------------------------------------------------------------------

    def mentoring(self) -> None:
        """In every generated community without a programme, from a random stream of its
        own: a running programme of a few dozen applications from the community's members,
        matched by the product's own matcher (``services.matching_run``: scores, hard
        rules, capacities), the pairs published and answered — most accepted by both sides,
        each then a relationship with goals, check-ins and now and then a resource or, once
        finished, feedback; a few declined; the rest still waiting — and in every other
        community a second programme, open for applications.

        The matcher reads members' time zones as they are today, so pairs proposed on
        either side of a change of daylight saving time may differ."""
        from guilde.mentoring import services as mentoring

        chooser = random.Random(self.seed + 21)  # noqa: S311 - data, not secrets
        generated = list(
            Community.objects.filter(slug__startswith="gen-")
            .exclude(pk__in=Programme.objects.values("community_id"))
            .order_by("pk")
        )
        sizes = dict(
            Membership.objects.filter(community__in=generated, status=Membership.Status.ACTIVE)
            .values("community_id")
            .annotate(n=Count("pk"))
            .values_list("community_id", "n")
        )
        for number, community in enumerate(generated):
            people = sizes.get(community.pk, 0)
            if people < 4:
                continue
            mentees = min(chooser.randint(20, 40), people * 2 // 3)
            mentors = min(max(2, mentees // 3 + chooser.randint(0, 4)), people - mentees)
            running = self.mentoring_programme(
                community,
                mentees=mentees,
                mentors=mentors,
                capacities=(1, 3),
                organisation_rule=chooser.choice(("", "prefer", "prefer", "forbid")),
                opened=END - timedelta(days=120),
                chooser=chooser,
            )
            mentoring.matching_run(actor=None, programme=running)
            self._mentoring_answers(running, chooser)
            if number % 2 == 1:
                self.mentoring_programme(
                    community,
                    mentees=min(chooser.randint(10, 30), people * 2 // 3),
                    mentors=min(chooser.randint(3, 10), people // 3),
                    capacities=(1, 3),
                    status=Programme.Status.OPEN,
                    opened=END - timedelta(days=20),
                    chooser=chooser,
                )

    def mentoring_programme(
        self,
        community: Community | None = None,
        *,
        mentees: int = 5000,
        mentors: int = 1000,
        capacities: tuple[int, int] = (1, 5),
        topics: int = 0,
        status: str = Programme.Status.MATCHING,
        organisation_rule: str = Programme.OrganisationRule.PREFER,
        avoiding: float = 0.1,
        opened: datetime | None = None,
        chooser: Random | None = None,
    ) -> Programme:
        """A programme of ``community`` (a new generated one when ``None``) with ``mentees``
        and ``mentors`` applications, as coordinators would have it once applications
        close (``status``): mentors' capacities uniform in ``capacities``; topics from the
        community's tags (at least ``topics`` of them: synthetic ones are added), a mentee
        wanting 1–5, a mentor offering 3–10, the popular ones most often (Zipf); one or two
        languages (one in ten applications names none: the member's spoken languages
        count); 3–12 weekly slots of ``models.SLOTS``; a share ``avoiding`` of mentees
        avoid one of the mentors; a fiftieth of the mentors apply as mentees too.

        Applicants are the community's members; when there are too few, new members are
        made (``genm-<n>``: time zones around the world, spoken languages, an organisation
        for 40 %) and join it. Rows go in with ``bulk_create``, topics and people to avoid
        straight into the many-to-many tables: 6,000 applications take seconds."""
        chooser = chooser or random.Random(self.seed + 28)  # noqa: S311 - data, not secrets
        opened = opened or END - timedelta(days=60)
        if community is None:
            community = self._mentoring_community()
        words = WORDS_FR if community.language == "fr" else WORDS_EN
        both = min(mentors, mentees) // 50
        with transaction.atomic():
            tags = self._mentoring_topics(community, topics, chooser)
            people = self._mentoring_people(community, mentors + mentees - both, chooser)
            coordinator = (
                Membership.objects.filter(community=community, role="coordinator")
                .values_list("member_id", flat=True)
                .first()
            )
            description = " ".join(
                self._sentence_from(chooser, words, chooser.randint(8, 16)) for _ in range(3)
            )
            programme = Programme.objects.create(
                community=community,
                name=f"{chooser.choice(words).capitalize()} mentoring "
                f"{community.mentoring_programmes.count() + 1}",
                description=description,
                description_html=f"<p>{escape(description)}</p>",
                goals=self._sentence_from(chooser, words, chooser.randint(6, 12)),
                starts_on=(opened + timedelta(days=45)).date(),
                ends_on=(opened + timedelta(days=225)).date(),
                status=status,
                organisation_rule=organisation_rule,
                max_capacity=max(capacities),
                created_by_id=coordinator,
                created_at=opened,
                updated_at=opened,
            )
            weights = _zipf_weights(len(tags), 1.0)
            applications: list[tuple[Application, set[int]]] = []
            sides = (
                (Application.Role.MENTOR, people[:mentors], (3, 10)),
                (
                    Application.Role.MENTEE,
                    people[mentors - both : mentors - both + mentees],
                    (1, 5),
                ),
            )
            for role, members, (fewest, most) in sides:
                for member in members:
                    at = opened + timedelta(minutes=chooser.randint(0, 30 * 24 * 60))
                    wanted = set(
                        chooser.choices(
                            tags,
                            cum_weights=weights,
                            k=min(len(tags), chooser.randint(fewest, most)),
                        )
                    )
                    slots = set(chooser.sample(SLOTS, chooser.randint(3, 12)))
                    applications.append(
                        (
                            Application(
                                programme=programme,
                                member_id=member,
                                role=role,
                                capacity=chooser.randint(*capacities)
                                if role == Application.Role.MENTOR
                                else 1,
                                languages=self._mentoring_languages(community.language, chooser),
                                availability=[slot for slot in SLOTS if slot in slots],
                                goals=self._sentence_from(chooser, words, chooser.randint(5, 12)),
                                created_at=at,
                                updated_at=at,
                            ),
                            wanted,
                        )
                    )
            Application.objects.bulk_create([a for a, _t in applications], batch_size=CHUNK)
            skills = Application.skills.through
            skills.objects.bulk_create(
                [
                    skills(application_id=application.pk, tag_id=tag)
                    for application, wanted in applications
                    for tag in sorted(wanted)
                ],
                batch_size=CHUNK,
            )
            mentor_people = people[:mentors]
            avoid = Application.avoid.through
            avoid.objects.bulk_create(
                [
                    avoid(application_id=application.pk, user_id=avoided)
                    for application, _wanted in applications
                    if application.role == Application.Role.MENTEE
                    and chooser.random() < avoiding
                    and (avoided := chooser.choice(mentor_people)) != application.member_id
                ],
                batch_size=CHUNK,
            )
        self.counts["mentoring_programmes"] = self.counts.get("mentoring_programmes", 0) + 1
        self.counts["mentoring_applications"] = self.counts.get("mentoring_applications", 0) + len(
            applications
        )
        return programme

    @staticmethod
    def _sentence_from(chooser: Random, words: list[str], length: int) -> str:
        chosen = [chooser.choice(words) for _ in range(length)]
        return chosen[0].capitalize() + " " + " ".join(chosen[1:]) + "."

    @staticmethod
    def _mentoring_languages(main: str, chooser: Random) -> list[str]:
        if chooser.random() < 0.1:
            return []  # none named: the member's spoken languages count
        first = main if chooser.random() < 0.6 else chooser.choice(MENTORING_LANGUAGES)
        chosen = {first}
        if chooser.random() < 0.3:
            chosen.add(chooser.choice(MENTORING_LANGUAGES))
        return sorted(chosen)

    def _mentoring_community(self) -> Community:
        number = Community.objects.filter(slug__startswith="genm-").count() + 1
        community = Community.objects.create(
            slug=f"genm-{number}",
            name=f"Mentoring practice {number}",
            domain="Practitioners who learn from each other, one pair at a time.",
            language="en",
        )
        return community

    def _mentoring_topics(self, community: Community, at_least: int, chooser: Random) -> list[int]:
        """The community's tag ids, with synthetic ones (two words) added up to ``at_least``
        (twenty when it has none)."""
        have = list(
            Tag.objects.filter(community=community).order_by("pk").values_list("pk", "slug")
        )
        at_least = at_least or (0 if have else 20)
        if len(have) < at_least:
            words = WORDS_FR if community.language == "fr" else WORDS_EN
            taken = {slug for _pk, slug in have}
            names = [f"{a} {b}" for a, b in itertools.permutations(sorted(set(words)), 2)]
            chooser.shuffle(names)
            fresh = [name for name in names if slugify(name) not in taken]
            Tag.objects.bulk_create(
                [
                    Tag(community=community, name=name, slug=slugify(name)[:60])
                    for name in fresh[: at_least - len(have)]
                ],
                ignore_conflicts=True,
            )
            have = list(
                Tag.objects.filter(community=community).order_by("pk").values_list("pk", "slug")
            )
        return [pk for pk, _slug in have]

    def _mentoring_people(self, community: Community, needed: int, chooser: Random) -> list[int]:
        """``needed`` distinct members of ``community`` in a random order, new ones made and
        joined when it has too few."""
        people = list(
            Membership.objects.filter(community=community, status=Membership.Status.ACTIVE)
            .order_by("member_id")
            .values_list("member_id", flat=True)
        )
        chooser.shuffle(people)
        if len(people) < needed:
            made = self._mentoring_members(needed - len(people), chooser)
            Membership.objects.bulk_create(
                [
                    Membership(
                        community=community,
                        member_id=member,
                        role="coordinator" if not people and index == 0 else "member",
                        joined_at=START,
                    )
                    for index, member in enumerate(made)
                ],
                batch_size=CHUNK,
            )
            people += made
        return people[:needed]

    def _mentoring_members(self, count: int, chooser: Random) -> list[int]:
        """``count`` new members with a time zone, spoken languages and, for 40 %, an
        organisation (searchable, as the generator's members are)."""
        first = User.objects.filter(username__startswith="genm-").count()
        users = []
        for number in range(first, first + count):
            user = User(
                username=f"genm-{number}",
                email=f"genm-{number}@example.invalid",
                display_name=f"{chooser.choice(FIRST)} {chooser.choice(LAST)}",
                date_joined=START - timedelta(days=chooser.randint(0, 400)),
                time_zone=chooser.choice(MENTORING_ZONES),
                language=chooser.choice(("en", "en", "fr")),
            )
            user.set_unusable_password()
            users.append(user)
        User.objects.bulk_create(users, batch_size=CHUNK)
        Organisation.objects.bulk_create(
            [Organisation(slug=f"gen-org-{n}", name=f"Organisation {n}") for n in range(60)],
            ignore_conflicts=True,
        )
        organisations = dict(
            Organisation.objects.filter(slug__startswith="gen-org-").values_list("slug", "pk")
        )
        languages, affiliations = [], []
        for user in users:
            for code in {user.language, chooser.choice(MENTORING_LANGUAGES)}:
                languages.append(MemberLanguage(member_id=user.pk, code=code))
            if chooser.random() < 0.4:
                slug = f"gen-org-{int(chooser.paretovariate(1.2)) % 60}"
                affiliations.append(
                    Affiliation(member_id=user.pk, organisation_id=organisations[slug])
                )
        MemberLanguage.objects.bulk_create(languages, batch_size=CHUNK)
        Affiliation.objects.bulk_create(affiliations, batch_size=CHUNK)
        made = [user.pk for user in users]
        indexing.changed("member", *made)
        self.counts["members"] = self.counts.get("members", 0) + len(made)
        return made

    def _mentoring_answers(self, programme: Programme, chooser: Random) -> None:
        """Publish ``programme``'s proposals and answer them: both sides accept seven in
        ten (a relationship: goals, check-ins, a resource for some, a tenth finished with
        feedback from both), one in ten is declined, the rest wait for an answer."""
        words = WORDS_FR if programme.community.language == "fr" else WORDS_EN
        published = programme.created_at + timedelta(days=40)
        articles = list(
            Article.objects.filter(
                community_id=programme.community_id, status__in=["published", "verified"]
            ).values_list("pk", flat=True)[:20]
        )
        matches = list(programme.matches.select_related("mentee", "mentor").order_by("pk"))
        accepted: list[Match] = []
        for match in matches:
            match.created_at = published - timedelta(days=5)
            match.status = Match.Status.PUBLISHED
            match.published_at = published
            answered = published + timedelta(hours=chooser.randint(1, 24 * 10))
            roll = chooser.random()
            if roll < 0.7:
                match.status = Match.Status.ACCEPTED
                match.mentee_answer = match.mentor_answer = Match.Answer.ACCEPTED
                match.answered_at = answered
                accepted.append(match)
            elif roll < 0.8:
                match.status = Match.Status.DECLINED
                side = chooser.choice(("mentee_answer", "mentor_answer"))
                setattr(match, side, Match.Answer.DECLINED)
                match.answered_at = answered
            elif roll < 0.9:
                match.mentor_answer = Match.Answer.ACCEPTED
                match.answered_at = answered
        Match.objects.bulk_update(
            matches,
            [
                "created_at",
                "status",
                "published_at",
                "mentee_answer",
                "mentor_answer",
                "answered_at",
            ],
        )
        relationships = [
            Relationship(
                match=match,
                programme=programme,
                mentor_id=match.mentor.member_id,
                mentee_id=match.mentee.member_id,
                started_at=match.answered_at or published,
            )
            for match in accepted
        ]
        Relationship.objects.bulk_create(relationships)
        goals: list[Goal] = []
        check_ins: list[CheckIn] = []
        resources: list[Resource] = []
        feedback: list[MentoringFeedback] = []
        statuses = [s for s, _label in Goal.Status.choices]
        for relationship in relationships:
            pair = (relationship.mentor_id, relationship.mentee_id)
            for _ in range(chooser.randint(1, 3)):
                goals.append(
                    Goal(
                        relationship=relationship,
                        title=self._sentence_from(chooser, words, chooser.randint(3, 8))[:-1],
                        status=chooser.choice(statuses),
                        created_by_id=relationship.mentee_id,
                        created_at=relationship.started_at + timedelta(days=1),
                        updated_at=relationship.started_at + timedelta(days=chooser.randint(1, 60)),
                    )
                )
            held = relationship.started_at
            for _ in range(chooser.randint(0, 4)):
                held += timedelta(days=chooser.randint(7, 28))
                if held > END:
                    break
                check_ins.append(
                    CheckIn(
                        relationship=relationship,
                        author_id=chooser.choice(pair),
                        held_on=held.date(),
                        notes=self._sentence_from(chooser, words, chooser.randint(8, 20)),
                        next_steps=self._sentence_from(chooser, words, chooser.randint(4, 10)),
                        created_at=held,
                    )
                )
                relationship.last_check_in_at = held
            if chooser.random() < 0.3:
                article = chooser.choice(articles) if articles and chooser.random() < 0.5 else None
                resources.append(
                    Resource(
                        relationship=relationship,
                        added_by_id=relationship.mentor_id,
                        article_id=article,
                        url="" if article else f"https://example.org/reading/{len(resources)}",
                        title="" if article else self._sentence_from(chooser, words, 4)[:-1],
                        created_at=relationship.started_at + timedelta(days=3),
                    )
                )
            if chooser.random() < 0.1:
                relationship.status = Relationship.Status.FINISHED
                relationship.finished_at = END
                for member in pair:
                    feedback.append(
                        MentoringFeedback(
                            relationship=relationship,
                            member_id=member,
                            rating=chooser.randint(3, 5),
                            comment=self._sentence_from(chooser, words, chooser.randint(4, 12)),
                            created_at=END,
                        )
                    )
        Relationship.objects.bulk_update(
            relationships, ["status", "finished_at", "last_check_in_at"]
        )
        Goal.objects.bulk_create(goals, batch_size=CHUNK)
        CheckIn.objects.bulk_create(check_ins, batch_size=CHUNK)
        Resource.objects.bulk_create(resources, batch_size=CHUNK)
        MentoringFeedback.objects.bulk_create(feedback, batch_size=CHUNK)
        programme.status = Programme.Status.RUNNING
        programme.matched_at = published - timedelta(days=5)
        programme.published_at = published
        programme.save(update_fields=["status", "matched_at", "published_at"])
        for name, count in (
            ("mentoring_matches", len(matches)),
            ("mentoring_relationships", len(relationships)),
            ("mentoring_check_ins", len(check_ins)),
        ):
            self.counts[name] = self.counts.get(name, 0) + count


EVENT_ZONES = ("Europe/Paris", "Europe/Paris", "America/Montreal", "Europe/London", "UTC")
# Mentoring programmes' applicants made on demand: around the world, Europe most.
MENTORING_ZONES = (
    "Europe/Paris", "Europe/Paris", "Europe/London", "Europe/Berlin", "America/Montreal",
    "America/New_York", "America/Sao_Paulo", "Africa/Lagos", "Asia/Kolkata", "Asia/Tokyo",
    "Australia/Sydney", "UTC",
)  # fmt: skip
MENTORING_LANGUAGES = ("en", "en", "fr", "es", "de")


def _story_rows(community: Community, chooser: Random, until: datetime) -> list[Any]:
    """A few value-creation stories of ``community``: askers about their accepted answers,
    attendees about events, mentees about their finished mentoring; every cycle of value,
    realised value often with a measured effect."""
    from guilde.analytics.models import Story

    words = list(WORDS_FR if community.language == "fr" else WORDS_EN)
    sources: list[tuple[str, int, int | None]] = []
    for pk, author in (
        Thread.objects.filter(community=community, accepted_at__isnull=False)
        .exclude(author=None)
        .order_by("pk")
        .values_list("pk", "author_id")[:6]
    ):
        sources.append(("thread", pk, author))
    for event, member in (
        Registration.objects.filter(
            event__community=community, response__in=["in_person", "online"]
        )
        .order_by("pk")
        .values_list("event_id", "member_id")[:3]
    ):
        sources.append(("event", event, member))
    for pk, mentee in (
        Relationship.objects.filter(
            programme__community=community, status=Relationship.Status.FINISHED
        )
        .order_by("pk")
        .values_list("pk", "mentee_id")[:3]
    ):
        sources.append(("relationship", pk, mentee))
    cycles = [cycle.value for cycle in Story.Cycle]
    effects = (("time_saved", "hours", 40), ("cost_saved", "EUR", 2000), ("quality", "%", 30))
    rows = []
    for number, (kind, target, writer) in enumerate(sources):
        cycle = cycles[number % len(cycles)] if number < len(cycles) else chooser.choice(cycles)
        text = " ".join(
            Generator._sentence_from(chooser, words, chooser.randint(8, 16)) for _ in range(2)
        )
        effect_kind, unit, most = chooser.choice(effects)
        measured = cycle == "realised" or chooser.random() < 0.2
        at = until - timedelta(days=chooser.randint(1, 300))
        rows.append(
            Story(
                community=community,
                author_id=writer,
                title=Generator._sentence_from(chooser, words, chooser.randint(3, 7))[:-1],
                text=text,
                text_html=f"<p>{escape(text)}</p>",
                cycle=cycle,
                effect_kind=effect_kind if measured else "",
                effect_value=chooser.randint(1, most) if measured else None,
                effect_unit=unit if measured else "",
                created_at=at,
                updated_at=at,
                **{f"{kind}_id": target},
            )
        )
    return rows


def generate(*, members: int, posts: int, communities: int, seed: int = 1) -> dict[str, Any]:
    return Generator(members=members, posts=posts, communities=communities, seed=seed).run()
