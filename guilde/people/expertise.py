"""Who knows about a topic: members ranked by evidence, as of a date.

The evidence is what members did in the communities given, before ``as_of`` and nothing
later — answers, articles (:func:`articles_as_of`), events hosted or spoken at
(:func:`events_as_of`), mentees mentored (:func:`mentoring_as_of`), endorsements. Answers
are replies in a question thread, with whether the asker had accepted them by then and the
upvotes they had received by then; articles, events and mentoring count like an accepted
answer, on their own tags. Each answer counts

    (topical relevance + ACTIVITY) × quality × recency

- **topical relevance**: the tags the answered question shares with the topic, each
  weighed by how rare it was among the questions asked so far (``log(1 + N / df)``): an
  answer on #wild-yeast says more about wild yeast than one on #beer;
- **ACTIVITY**: an answer off the topic still shows someone who answers questions here;
- **quality**: ``1 + ACCEPTED`` when accepted, ``+ UPVOTE`` per upvote;
- **recency**: ``1 / (1 + age / RECENCY_DAYS)``: who answered last week is around to
  answer now; last year's answers still count, less.

The constants were chosen on the issue's evaluation itself (the beer dump,
``guilde eval-experts``): its figures are in-sample (docs/people.md). Every figure an
:class:`Expert` carries is the evidence behind its score, so a page can say why.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from guilde.accounts.models import MemberSkill, User
from guilde.accounts.visibility import visible_q
from guilde.communities.models import Tag
from guilde.discussions.models import Post, Thread
from guilde.events.models import Event, EventRole
from guilde.knowledge.models import Article
from guilde.mentoring.models import Application, Relationship
from guilde.people.models import Endorsement

RECENCY_DAYS = 7.0
ACTIVITY = 3.0
ACCEPTED = 2.0
UPVOTE = 0.25
# An article counts as an accepted answer, a verified one more; each endorsement of a
# declared skill named like a topic's tag, as much as an answer's topical relevance.
ARTICLE = ACCEPTED
VERIFIED = 2.0
ENDORSEMENT = 1.0
# Hosting or speaking at an event that took place counts as an article does.
HOSTED = ARTICLE
# Mentoring someone (a relationship both sides accepted) counts as an article does.
MENTORED = ARTICLE


@dataclass
class Expert:
    member_id: int
    score: float = 0.0
    answers: int = 0
    accepted: int = 0
    upvotes: int = 0
    articles: int = 0
    verified: int = 0
    events: int = 0
    # Mentees mentored (relationships started, active or finished).
    mentored: int = 0
    endorsements: int = 0
    # Answers to the questions a free-text topic found (see :func:`experts_on`).
    on_questions: int = 0
    # Answers, articles, events and mentees on each of the topic's tags (tag id -> count).
    on_topic: Counter[int] = field(default_factory=Counter)
    articles_on_topic: Counter[int] = field(default_factory=Counter)
    events_on_topic: Counter[int] = field(default_factory=Counter)
    mentored_on_topic: Counter[int] = field(default_factory=Counter)
    last_answer_at: datetime | None = None

    @property
    def topical(self) -> bool:
        """Whether anything they did is on the topic."""
        return bool(
            +self.on_topic
            or +self.articles_on_topic
            or +self.events_on_topic
            or +self.mentored_on_topic
            or self.endorsements
            or self.on_questions
        )


def _tags_of_questions(communities: list[int], as_of: datetime) -> dict[int, set[int]]:
    """The tags of every question asked in ``communities`` before ``as_of``."""
    tags: dict[int, set[int]] = defaultdict(set)
    for thread_id, tag_id in Thread.tags.through.objects.filter(
        thread__community_id__in=communities,
        thread__kind=Thread.Kind.QUESTION,
        thread__created_at__lt=as_of,
    ).values_list("thread_id", "tag_id"):
        tags[thread_id].add(tag_id)
    return tags


def _answers(communities: list[int], as_of: datetime, exclude: Iterable[int]) -> QuerySet[Post]:
    """The answers that count as evidence at ``as_of``: visible replies in visible question
    threads of ``communities``, written before it by a known member not in ``exclude``."""
    return (
        Post.objects.visible()
        .filter(
            thread__community_id__in=communities,
            thread__kind=Thread.Kind.QUESTION,
            thread__deleted_at__isnull=True,
            thread__hidden_at__isnull=True,
            position__gt=1,
            author__isnull=False,
            created_at__lt=as_of,
        )
        .exclude(author_id__in=list(exclude))
    )


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer as evidence at a date: ``strength`` is its quality × recency."""

    member_id: int
    thread_id: int
    community_id: int
    created_at: datetime
    accepted: bool
    upvotes: int
    strength: float


def answers_as_of(
    communities: list[int],
    as_of: datetime,
    exclude: Iterable[int] = (),
    threads: set[int] | None = None,
) -> Iterator[Answer]:
    """The evidence of :func:`_answers` (in ``threads`` only, when given), each answer
    with what was known of it at ``as_of``: upvotes cast before it, accepted only if
    accepted before it."""
    answers = _answers(communities, as_of, exclude)
    if threads is not None:
        answers = answers.filter(thread_id__in=threads)
    rows = answers.annotate(
        upvotes=Count("votes", filter=Q(votes__value__gt=0, votes__created_at__lt=as_of))
    ).values_list(
        "author_id",
        "thread_id",
        "thread__community_id",
        "created_at",
        "upvotes",
        "thread__accepted_post_id",
        "thread__accepted_at",
        "pk",
    )
    for (
        member,
        thread,
        community,
        created,
        upvotes,
        accepted_post,
        accepted_at,
        pk,
    ) in rows.iterator(chunk_size=5000):
        accepted = accepted_post == pk and accepted_at is not None and accepted_at < as_of
        quality = 1.0 + (ACCEPTED if accepted else 0.0) + UPVOTE * upvotes
        recency = 1.0 / (1.0 + (as_of - created).total_seconds() / 86400 / RECENCY_DAYS)
        yield Answer(member, thread, community, created, accepted, upvotes, quality * recency)


@dataclass(frozen=True)
class Written:
    """An article as evidence at a date (its tags: ``tags``)."""

    member_id: int
    community_id: int
    created_at: datetime
    verified: bool
    tags: frozenset[int]
    strength: float


def articles_as_of(
    communities: list[int], as_of: datetime, exclude: Iterable[int] = ()
) -> Iterator[Written]:
    """Articles readers see (not drafts), created before ``as_of`` by a known member not
    in ``exclude``; verified counts only when verified before ``as_of``."""
    found = (
        Article.objects.public()
        .filter(community_id__in=communities, created_by__isnull=False, created_at__lt=as_of)
        .exclude(created_by_id__in=list(exclude))
        .values_list("pk", "created_by_id", "community_id", "created_at", "verified_at")
    )
    rows = list(found)
    tags: dict[int, set[int]] = defaultdict(set)
    for article, tag in Article.tags.through.objects.filter(
        article_id__in=[row[0] for row in rows]
    ).values_list("article_id", "tag_id"):
        tags[article].add(tag)
    for pk, member, community, created, verified_at in rows:
        verified = verified_at is not None and verified_at < as_of
        quality = 1.0 + ARTICLE + (VERIFIED if verified else 0.0)
        recency = 1.0 / (1.0 + (as_of - created).total_seconds() / 86400 / RECENCY_DAYS)
        yield Written(member, community, created, verified, frozenset(tags[pk]), quality * recency)


@dataclass(frozen=True)
class Hosted:
    """An event a member hosted or spoke at, as evidence at a date (its tags: ``tags``)."""

    member_id: int
    community_id: int
    started_at: datetime
    tags: frozenset[int]
    strength: float


def events_as_of(
    communities: list[int], as_of: datetime, exclude: Iterable[int] = ()
) -> Iterator[Hosted]:
    """Events not cancelled that began before ``as_of``, once per member who hosted or
    spoke at them (a series counts once, from its first occurrence), not in ``exclude``."""
    pairs = (
        EventRole.objects.filter(
            event__community_id__in=communities,
            event__status=Event.Status.SCHEDULED,
            event__start__lt=as_of,
        )
        .exclude(member_id__in=list(exclude))
        .values_list("event_id", "member_id", "event__community_id", "event__start")
        .distinct()
    )
    rows = sorted(set(pairs))
    tags: dict[int, set[int]] = defaultdict(set)
    for event, tag in Event.tags.through.objects.filter(
        event_id__in={row[0] for row in rows}
    ).values_list("event_id", "tag_id"):
        tags[event].add(tag)
    for event, member, community, started in rows:
        recency = 1.0 / (1.0 + (as_of - started).total_seconds() / 86400 / RECENCY_DAYS)
        yield Hosted(member, community, started, frozenset(tags[event]), (1.0 + HOSTED) * recency)


@dataclass(frozen=True)
class Mentored:
    """A mentee a member mentored, as evidence at a date (its topics: ``tags``)."""

    member_id: int
    community_id: int
    started_at: datetime
    tags: frozenset[int]
    strength: float


def mentoring_as_of(
    communities: list[int], as_of: datetime, exclude: Iterable[int] = ()
) -> Iterator[Mentored]:
    """Mentoring relationships of programmes of ``communities`` started before ``as_of``
    (active or finished), once each, for their mentor when not in ``exclude``. Their topics:
    those the mentor offered that the mentee wanted to learn, or, when none is shared, the
    mentee's (the programme's community's tags only). Two queries, however many."""
    rows = list(
        Relationship.objects.filter(programme__community_id__in=communities, started_at__lt=as_of)
        .exclude(mentor_id__in=list(exclude))
        .order_by("started_at", "pk")
        .values_list(
            "mentor_id",
            "programme__community_id",
            "started_at",
            "match__mentor_id",
            "match__mentee_id",
        )
    )
    skills: dict[int, set[int]] = defaultdict(set)
    community_of: dict[int, int] = {}
    for application, tag, community in Application.skills.through.objects.filter(
        application_id__in={app for row in rows for app in row[3:]}
    ).values_list("application_id", "tag_id", "tag__community_id"):
        skills[application].add(tag)
        community_of[tag] = community
    for member, community, started, offered, wanted in rows:
        mine = {tag for tag in skills[wanted] if community_of[tag] == community}
        tags = (mine & skills[offered]) or mine
        recency = 1.0 / (1.0 + (as_of - started).total_seconds() / 86400 / RECENCY_DAYS)
        yield Mentored(member, community, started, frozenset(tags), (1.0 + MENTORED) * recency)


def endorsements_as_of(tags: Iterable[int], as_of: datetime) -> Counter[int]:
    """Endorsements given before ``as_of`` of declared skills named like one of ``tags``
    (member id -> how many). Only of members who show their skills to everyone: a ranking
    must not reveal a skill its owner hides from some of its readers."""
    slugs = set(Tag.objects.filter(pk__in=list(tags)).values_list("slug", flat=True))
    if not slugs:
        return Counter()
    counts = Counter(
        Endorsement.objects.filter(
            created_at__lt=as_of,
            member_skill__kind=MemberSkill.Kind.SKILL,
            member_skill__skill__slug__in=slugs,
        ).values_list("member_skill__member_id", flat=True)
    )
    if not counts:
        return counts
    shown = set(
        User.objects.filter(visible_q(AnonymousUser(), "skills"), pk__in=list(counts)).values_list(
            "pk", flat=True
        )
    )
    return Counter({member: n for member, n in counts.items() if member in shown})


def endorsement_weight(weight: dict[int, float]) -> float:
    return ENDORSEMENT * max(weight.values(), default=1.0)


def tag_weights(asked: dict[int, set[int]], topic: set[int]) -> dict[int, float]:
    """How much an answer on each tag of ``topic`` says: ``log(1 + N / df)`` over the
    questions ``asked`` (thread -> its tags); tags never asked about weigh nothing."""
    frequency = Counter(tag for found in asked.values() for tag in found if tag in topic)
    return {tag: math.log(1 + len(asked) / frequency[tag]) for tag in topic if frequency[tag]}


def rank(found: Iterable[Expert], as_of: datetime) -> list[Expert]:
    """Best first; equal scores: the member who answered last first."""
    return sorted(
        found, key=lambda e: (-e.score, -(e.last_answer_at or as_of).timestamp(), e.member_id)
    )


def experts(
    *,
    communities: list[int],
    tags: Iterable[int] = (),
    as_of: datetime | None = None,
    exclude: Iterable[int] = (),
    limit: int | None = None,
) -> list[Expert]:
    """Members who answered questions in ``communities`` before ``as_of`` (now when not
    given), best first for a topic of ``tags``; ``exclude``: members left out (the asker)."""
    as_of = as_of or timezone.now()
    topic = set(tags)
    asked = _tags_of_questions(communities, as_of) if topic else {}
    weight = tag_weights(asked, topic)
    found: dict[int, Expert] = {}
    for answer in answers_as_of(communities, as_of, exclude):
        expert = found.setdefault(answer.member_id, Expert(answer.member_id))
        shared = topic & asked.get(answer.thread_id, set())
        relevance = sum(weight.get(tag, 0.0) for tag in shared)
        expert.score += (relevance + ACTIVITY) * answer.strength
        expert.answers += 1
        expert.accepted += answer.accepted
        expert.upvotes += answer.upvotes
        expert.on_topic.update(shared)
        if expert.last_answer_at is None or answer.created_at > expert.last_answer_at:
            expert.last_answer_at = answer.created_at
    for article in articles_as_of(communities, as_of, exclude):
        expert = found.setdefault(article.member_id, Expert(article.member_id))
        shared = topic & article.tags
        expert.score += (sum(weight.get(t, 0.0) for t in shared) + ACTIVITY) * article.strength
        expert.articles += 1
        expert.verified += article.verified
        expert.articles_on_topic.update(shared)
    for hosted in events_as_of(communities, as_of, exclude):
        expert = found.setdefault(hosted.member_id, Expert(hosted.member_id))
        shared = topic & hosted.tags
        expert.score += (sum(weight.get(t, 0.0) for t in shared) + ACTIVITY) * hosted.strength
        expert.events += 1
        expert.events_on_topic.update(shared)
    for mentoring in mentoring_as_of(communities, as_of, exclude):
        expert = found.setdefault(mentoring.member_id, Expert(mentoring.member_id))
        shared = topic & mentoring.tags
        expert.score += (sum(weight.get(t, 0.0) for t in shared) + ACTIVITY) * mentoring.strength
        expert.mentored += 1
        expert.mentored_on_topic.update(shared)
    if topic:
        excluded = set(exclude)
        for member, count in endorsements_as_of(topic, as_of).items():
            if member not in excluded:
                expert = found.setdefault(member, Expert(member))
                expert.endorsements = count
                expert.score += endorsement_weight(weight) * count
    ranked = rank(found.values(), as_of)
    return ranked[:limit] if limit is not None else ranked


def experts_on(
    *, threads: list[int], as_of: datetime | None = None, exclude: Iterable[int] = ()
) -> list[Expert]:
    """A topic given as questions (those a free-text search found): the members who
    answered them, each answer counting its quality × recency."""
    as_of = as_of or timezone.now()
    communities = list(
        Thread.objects.filter(pk__in=threads).values_list("community_id", flat=True).distinct()
    )
    found: dict[int, Expert] = {}
    wanted = set(threads)
    for answer in answers_as_of(communities, as_of, exclude, threads=wanted):
        expert = found.setdefault(answer.member_id, Expert(answer.member_id))
        expert.score += answer.strength
        expert.answers += 1
        expert.on_questions += 1
        expert.accepted += answer.accepted
        expert.upvotes += answer.upvotes
        if expert.last_answer_at is None or answer.created_at > expert.last_answer_at:
            expert.last_answer_at = answer.created_at
    return rank(found.values(), as_of)


def by_activity(
    *, communities: list[int], as_of: datetime, exclude: Iterable[int] = ()
) -> list[int]:
    """The baseline: members with an earlier answer, by their number of answers so far
    (equal counts: lower id first)."""
    counts = Counter(_answers(communities, as_of, exclude).values_list("author_id", flat=True))
    return [member for member, _n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
