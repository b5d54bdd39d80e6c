"""The metrics of a community's health, computed from the database for a window of time.

Every function takes the communities (one, or all of an instance) and a window
``[start, end)`` and returns plain, JSON-serialisable numbers: the daily job stores them in
snapshots (``guilde.analytics.snapshots``), the dashboard and the API read those. Each
definition is in docs/analytics.md; each metric is tested on a small community whose
expected values the test computes by hand (``tests/test_metrics.py``).

Percentiles: linear interpolation between the closest ranks (Hyndman & Fan's type 7, the
default of numpy, R and spreadsheets): for sorted values ``x[0..n-1]`` the p-th percentile
is ``x[i] + f × (x[i+1] − x[i])`` with ``i + f = p × (n − 1)``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db.models import Min, OuterRef, Q, QuerySet, Subquery

from guilde.discussions.models import Post, Thread

HOUR = 3600.0
WAITING = 10  # questions waiting longest, listed


def percentile(values: Sequence[float], p: float) -> float | None:
    """The ``p``-th percentile (0–1) by linear interpolation (type 7); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = p * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (rank - low) * (ordered[high] - ordered[low])


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def questions(communities: list[int], start: datetime | None, end: datetime) -> Q:
    """Questions that count: listed (not deleted, not hidden), not merged into another."""
    window = Q(created_at__lt=end)
    if start is not None:
        window &= Q(created_at__gte=start)
    return (
        Q(community_id__in=communities, kind=Thread.Kind.QUESTION, merged_into__isnull=True)
        & Q(deleted_at__isnull=True, hidden_at__isnull=True)
        & window
    )


def visible_posts(communities: list[int]) -> QuerySet[Post]:
    """Posts that count in the communities: visible, in threads listed (every metric, the
    daily series and the network read posts through this)."""
    return Post.objects.visible().filter(
        thread__community_id__in=communities,
        thread__deleted_at__isnull=True,
        thread__hidden_at__isnull=True,
    )


def responsiveness(communities: list[int], start: datetime | None, end: datetime) -> dict[str, Any]:
    """Questions asked in the window and how they were answered by ``end``.

    - ``questions``: asked in the window; ``unanswered``: with no visible reply by ``end``
      (``unanswered_rate`` their share);
    - ``first_answer_hours``: from the question to its first visible reply, over the
      answered ones — median and 90th percentile;
    - ``accepted_hours``: from the question to the reply that was accepted (its posting:
      imported acceptances only carry a day), over questions with an accepted reply;
    - ``waiting``: the open questions without an answer asked longest ago (id and when
      asked — titles are read when the dashboard is, so that a question deleted, hidden or
      renamed since is shown as it is now), oldest first.
    """
    first_answer = (
        Post.objects.visible()
        .filter(thread=OuterRef("pk"), position__gt=1, created_at__lt=end)
        .order_by()
        .values("thread")
        .annotate(first=Min("created_at"))
        .values("first")
    )
    rows = list(
        Thread.objects.filter(questions(communities, start, end))
        .annotate(first_answer_at=Subquery(first_answer))
        .values_list(
            "pk",
            "created_at",
            "first_answer_at",
            "accepted_post__created_at",
            "accepted_post__deleted_at",
            "accepted_post__hidden_at",
        )
    )
    first = [
        (answered - asked).total_seconds() / HOUR
        for _pk, asked, answered, *_rest in rows
        if answered is not None
    ]
    accepted = [
        (accepted_at - asked).total_seconds() / HOUR
        for _pk, asked, _answered, accepted_at, deleted, hidden in rows
        if accepted_at is not None and accepted_at < end and deleted is None and hidden is None
    ]
    unanswered = [pk for pk, _asked, answered, *_rest in rows if answered is None]
    waiting = list(
        Thread.objects.filter(pk__in=unanswered, closed_at__isnull=True)
        .order_by("created_at", "pk")
        .values("pk", "created_at", "community_id")[:WAITING]
    )
    return {
        "questions": len(rows),
        "answered": len(first),
        "unanswered": len(unanswered),
        "unanswered_rate": _round(len(unanswered) / len(rows), 4) if rows else None,
        "first_answer_hours": {
            "median": _round(percentile(first, 0.5)),
            "p90": _round(percentile(first, 0.9)),
        },
        "accepted": len(accepted),
        "accepted_hours": {
            "median": _round(percentile(accepted, 0.5)),
            "p90": _round(percentile(accepted, 0.9)),
        },
        "waiting": [
            {
                "thread": row["pk"],
                "community": row["community_id"],
                "asked": row["created_at"].isoformat(),
            }
            for row in waiting
        ],
    }


# Activity ---------------------------------------------------------------------------------


def _between(field: str, start: datetime | None, end: datetime) -> Q:
    window = Q(**{f"{field}__lt": end})
    if start is not None:
        window &= Q(**{f"{field}__gte": start})
    return window


def activity(communities: list[int], start: datetime | None, end: datetime) -> dict[str, Any]:
    """What was made in the window: threads and questions, replies, comments, articles and
    revisions, events and their attendance, mentoring check-ins (counted, never read)."""
    from guilde.discussions.models import Comment
    from guilde.events.models import Event, Registration
    from guilde.knowledge.models import Article, ArticleRevision
    from guilde.mentoring.models import CheckIn

    threads = (
        Thread.objects.listed()
        .filter(community_id__in=communities)
        .filter(_between("created_at", start, end))
    )
    replies = (
        visible_posts(communities).filter(position__gt=1).filter(_between("created_at", start, end))
    )
    events = Event.objects.filter(community_id__in=communities, status="scheduled").filter(
        _between("start", start, end)
    )
    attended = Registration.objects.filter(
        event__community_id__in=communities, attendance__in=["in_person", "online"]
    ).filter(_between("event__start", start, end))
    return {
        "threads": threads.count(),
        "questions": threads.filter(kind=Thread.Kind.QUESTION).count(),
        "replies": replies.count(),
        "comments": Comment.objects.filter(
            post__thread__community_id__in=communities,
            post__deleted_at__isnull=True,
            post__hidden_at__isnull=True,
        )
        .filter(_between("created_at", start, end))
        .count(),
        "articles": Article.objects.filter(community_id__in=communities)
        .exclude(status="draft")
        .filter(_between("created_at", start, end))
        .count(),
        "revisions": ArticleRevision.objects.filter(article__community_id__in=communities)
        .filter(_between("created_at", start, end))
        .count(),
        "events": events.count(),
        "attendance": attended.count(),
        "attendance_in_person": attended.filter(attendance="in_person").count(),
        "attendance_online": attended.filter(attendance="online").count(),
        "check_ins": CheckIn.objects.filter(relationship__programme__community_id__in=communities)
        .filter(_between("created_at", start, end))
        .count(),
    }


# Participation ------------------------------------------------------------------------------

# Levels over the 90 days before a date (docs/analytics.md): contributions are visible
# posts, comments and article revisions; "seen" is reading a thread, voting or reacting.
LEVEL_DAYS = 90
CORE, ACTIVE, OCCASIONAL = 20, 5, 1
LEVELS = ("core", "active", "occasional", "peripheral", "inactive")


def contributions(communities: list[int], start: datetime | None, end: datetime) -> dict[int, int]:
    """Member → contributions in the window (visible posts, comments, article revisions)."""
    from collections import Counter

    from guilde.discussions.models import Comment
    from guilde.knowledge.models import ArticleRevision

    counts: Counter[int] = Counter()
    counts.update(
        visible_posts(communities)
        .filter(author__isnull=False)
        .filter(_between("created_at", start, end))
        .values_list("author_id", flat=True)
    )
    counts.update(
        Comment.objects.filter(
            post__thread__community_id__in=communities,
            post__deleted_at__isnull=True,
            post__hidden_at__isnull=True,
            author__isnull=False,
        )
        .filter(_between("created_at", start, end))
        .values_list("author_id", flat=True)
    )
    counts.update(
        ArticleRevision.objects.filter(article__community_id__in=communities, author__isnull=False)
        .filter(_between("created_at", start, end))
        .values_list("author_id", flat=True)
    )
    return dict(counts)


def seen(communities: list[int], start: datetime | None, end: datetime) -> set[int]:
    """Members who read a thread, voted or reacted in the window."""
    from guilde.discussions.models import Reaction, ReadState, Vote

    found = set(
        ReadState.objects.filter(thread__community_id__in=communities)
        .filter(_between("updated_at", start, end))
        .values_list("member_id", flat=True)
    )
    for model in (Vote, Reaction):
        found.update(
            model.objects.filter(post__thread__community_id__in=communities)
            .filter(_between("created_at", start, end))
            .values_list("member_id", flat=True)
        )
    return found


def members_at(communities: list[int], when: datetime) -> set[int]:
    """Members of the communities at ``when``: active memberships joined by then (imported
    people count: they took part where they came from)."""
    from guilde.communities.models import Membership

    return set(
        Membership.objects.filter(community_id__in=communities, status=Membership.Status.ACTIVE)
        .filter(Q(joined_at__lt=when) | Q(joined_at__isnull=True, requested_at__lt=when))
        .values_list("member_id", flat=True)
    )


def levels_at(communities: list[int], when: datetime, members: set[int]) -> dict[int, str]:
    """Each member's level over the ``LEVEL_DAYS`` before ``when``."""
    from datetime import timedelta

    since = when - timedelta(days=LEVEL_DAYS)
    made = contributions(communities, since, when)
    looked = seen(communities, since, when)
    found = {}
    for member in members:
        count = made.get(member, 0)
        if count >= CORE:
            found[member] = "core"
        elif count >= ACTIVE:
            found[member] = "active"
        elif count >= OCCASIONAL:
            found[member] = "occasional"
        elif member in looked:
            found[member] = "peripheral"
        else:
            found[member] = "inactive"
    return found


def gini(values: Sequence[float]) -> float | None:
    """The Gini coefficient of ``values`` (0: all equal; → 1: one holds everything), by the
    sorted-rank formula ``Σ (2i − n − 1) x_i / (n Σ x)`` with i from 1."""
    if not values or sum(values) == 0:
        return None
    ordered = sorted(values)
    n = len(ordered)
    return sum((2 * i - n - 1) * x for i, x in enumerate(ordered, start=1)) / (n * sum(ordered))


def top_share(counts: Sequence[int], fraction: float) -> float | None:
    """The share of all contributions made by the top ``fraction`` of contributors (at least
    one contributor)."""
    total = sum(counts)
    if not total:
        return None
    ordered = sorted(counts, reverse=True)
    top = max(1, math.ceil(fraction * len(ordered)))
    return sum(ordered[:top]) / total


def participation(communities: list[int], start: datetime | None, end: datetime) -> dict[str, Any]:
    """Who took part: active members over 7, 28 and 90 days before ``end``; contributors and
    readers in the window; inequality of contributions; levels at ``end`` and the flows
    between the levels at ``start`` and at ``end``."""
    from datetime import timedelta

    members = members_at(communities, end)
    active = {}
    for days in (7, 28, 90):
        since = end - timedelta(days=days)
        did = set(contributions(communities, since, end)) | seen(communities, since, end)
        active[str(days)] = len(did & members)
    made = {m: n for m, n in contributions(communities, start, end).items() if m in members}
    readers = (seen(communities, start, end) & members) - set(made)
    counts = list(made.values())
    levels = levels_at(communities, end, members)
    result = {
        "members": len(members),
        "active": active,
        "contributors": len(made),
        "readers": len(readers),
        "contributions": sum(counts),
        "top_1_share": _round(top_share(counts, 0.01), 4),
        "top_10_share": _round(top_share(counts, 0.10), 4),
        "gini": _round(gini([made.get(m, 0) for m in members]), 4),
        "levels": {level: sum(1 for v in levels.values() if v == level) for level in LEVELS},
    }
    if start is not None:
        before = levels_at(communities, start, members_at(communities, start))
        flows: dict[str, dict[str, int]] = {}
        for member, now in levels.items():
            was = before.get(member, "new")
            flows.setdefault(was, {}).setdefault(now, 0)
            flows[was][now] += 1
        result["flows"] = flows
    return result


# Retention ----------------------------------------------------------------------------------

COHORT_MONTHS = 12
RETENTION_AFTER = (1, 3, 6)


def _month_start(moment: datetime) -> datetime:
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _add_months(moment: datetime, months: int) -> datetime:
    total = moment.year * 12 + moment.month - 1 + months
    return moment.replace(year=total // 12, month=total % 12 + 1, day=1)


def retention(communities: list[int], end: datetime) -> list[dict[str, Any]]:
    """Monthly cohorts of new members (by the month they joined, UTC, the last 12 months
    before ``end``) and the share of each still active — contributed, read, voted or
    reacted — in the 1st, 3rd and 6th month after it; None while that month is not over."""
    from guilde.communities.models import Membership

    first = _add_months(_month_start(end), -(COHORT_MONTHS - 1))
    joined: dict[datetime, set[int]] = {}
    for member, when in Membership.objects.filter(
        community_id__in=communities,
        status=Membership.Status.ACTIVE,
        joined_at__gte=first,
        joined_at__lt=end,
    ).values_list("member_id", "joined_at"):
        if when is not None:
            joined.setdefault(_month_start(when), set()).add(member)
    active: dict[datetime, set[int]] = {}

    def active_in(month: datetime) -> set[int]:
        if month not in active:
            after = _add_months(month, 1)
            active[month] = set(contributions(communities, month, after)) | seen(
                communities, month, after
            )
        return active[month]

    cohorts = []
    for n in range(COHORT_MONTHS):
        month = _add_months(first, n)
        members = joined.get(month, set())
        row: dict[str, Any] = {"month": month.date().isoformat(), "members": len(members)}
        for after in RETENTION_AFTER:
            later = _add_months(month, after)
            if not members or _add_months(later, 1) > end:
                row[str(after)] = None
            else:
                row[str(after)] = round(len(members & active_in(later)) / len(members), 4)
        cohorts.append(row)
    return cohorts


# Knowledge ----------------------------------------------------------------------------------


def knowledge(communities: list[int], start: datetime | None, end: datetime) -> dict[str, Any]:
    """Articles published and verified in the window; the articles needing review and
    archived as they stand at the snapshot; "was this helpful" answers in the window."""
    from guilde.knowledge.models import Article, Feedback

    articles = Article.objects.filter(community_id__in=communities)
    feedback = Feedback.objects.filter(article__community_id__in=communities).filter(
        _between("created_at", start, end)
    )
    answers = feedback.count()
    helpful = feedback.filter(helpful=True).count()
    return {
        "published": articles.exclude(status="draft")
        .filter(_between("created_at", start, end))
        .count(),
        "verified": articles.filter(verified_at__isnull=False)
        .filter(_between("verified_at", start, end))
        .count(),
        "needs_review": articles.filter(status="needs_review").count(),
        "archived": articles.filter(status="archived").count(),
        "feedback": answers,
        "helpful_rate": _round(helpful / answers, 4) if answers else None,
        **reuse(communities, start, end),
        **article_views(communities, start, end),
    }


ARTICLE_LINK = re.compile(r"/communities/([\w-]+)/articles/(\d+)/")


def reuse(communities: list[int], start: datetime | None, end: datetime) -> dict[str, int]:
    """Knowledge put back to work: replies in the window that link to an article of the
    communities (``replies_linking_articles``) and how many articles they link
    (``articles_linked``). Read from the replies' text, as members wrote the links."""
    from guilde.communities.models import Community
    from guilde.knowledge.models import Article

    slugs = set(Community.objects.filter(pk__in=communities).values_list("slug", flat=True))
    linked: dict[int, set[int]] = {}
    for post, body in (
        visible_posts(communities)
        .filter(position__gt=1, body__contains="/articles/")
        .filter(_between("created_at", start, end))
        .values_list("pk", "body")
    ):
        found = {int(pk) for slug, pk in ARTICLE_LINK.findall(body) if slug in slugs}
        if found:
            linked[post] = found
    articles = set().union(*linked.values()) if linked else set()
    existing = set(
        Article.objects.filter(community_id__in=communities, pk__in=articles).values_list(
            "pk", flat=True
        )
    )
    return {
        "replies_linking_articles": sum(1 for found in linked.values() if found & existing),
        "articles_linked": len(existing),
    }


def article_views(communities: list[int], start: datetime | None, end: datetime) -> dict[str, int]:
    """Articles read: ``article_views`` counts the views recorded in the window (a reader
    counts once a day per article, robots never: :func:`guilde.knowledge.services.view_record`),
    ``article_views_from_search`` the articles opened from a search result in it (each
    opening logged by the search's redirect, :class:`guilde.search.models.SearchClick`)."""
    from django.db.models import CharField
    from django.db.models.functions import Cast

    from guilde.knowledge.models import Article, ArticleView
    from guilde.search.models import Kind, SearchClick

    days = Q(day__lt=end.date()) if start is None else Q(day__gte=start.date(), day__lt=end.date())
    keys = (
        Article.objects.filter(community_id__in=communities)
        .annotate(key=Cast("pk", CharField()))
        .values("key")
    )
    return {
        "article_views": ArticleView.objects.filter(article__community_id__in=communities)
        .filter(days)
        .count(),
        "article_views_from_search": SearchClick.objects.filter(
            kind=Kind.ARTICLE, object_key__in=keys
        )
        .filter(_between("created_at", start, end))
        .count(),
    }


# Mentoring and events --------------------------------------------------------------------------


def mentoring(communities: list[int], start: datetime | None, end: datetime) -> dict[str, Any]:
    """Pairs published and answered in the window, relationships active at its end and
    finished in it, their feedback; events' attendance by format is in :func:`activity`."""
    from django.db.models import Avg, Count

    from guilde.mentoring.models import Feedback, Match, Relationship

    matches = Match.objects.filter(programme__community_id__in=communities)
    relationships = Relationship.objects.filter(programme__community_id__in=communities)
    rating = (
        Feedback.objects.filter(relationship__programme__community_id__in=communities)
        .filter(_between("created_at", start, end))
        .aggregate(mean=Avg("rating"), n=Count("pk"))
    )
    return {
        "published": matches.filter(published_at__isnull=False)
        .filter(_between("published_at", start, end))
        .count(),
        "accepted": matches.filter(status="accepted")
        .filter(_between("answered_at", start, end))
        .count(),
        "declined": matches.filter(status="declined")
        .filter(_between("answered_at", start, end))
        .count(),
        "started": relationships.filter(_between("started_at", start, end)).count(),
        "active": relationships.filter(started_at__lt=end)
        .filter(Q(finished_at__isnull=True) | Q(finished_at__gte=end))
        .count(),
        "finished": relationships.filter(finished_at__isnull=False)
        .filter(_between("finished_at", start, end))
        .count(),
        "feedback": rating["n"],
        "mean_rating": _round(rating["mean"]) if rating["mean"] is not None else None,
    }
