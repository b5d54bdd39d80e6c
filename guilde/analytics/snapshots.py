"""Daily snapshots: the scheduler takes one per community and one for the instance each
day (``tasks.take_snapshots``); ``guilde analytics rebuild`` recomputes the history.

A snapshot holds the day's activity counts (the series over time are read from the daily
snapshots) and, for each period of the dashboard — the last 7, 28, 90 and 365 days, and
the whole history —, the metrics of that period and of the one just before it, for the
comparison. The dashboard reads the latest snapshot and the days of its period: nothing is
computed while a page is served.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from guilde.analytics import metrics
from guilde.analytics.models import Snapshot
from guilde.communities.models import Community

PERIODS: dict[str, int | None] = {"7": 7, "28": 28, "90": 90, "365": 365, "all": None}
DEFAULT_PERIOD = "28"


def communities_of(community: Community | None) -> list[int]:
    """The communities a snapshot describes: one, or every one not deleted (the instance)."""
    if community is not None:
        return [community.pk]
    return list(
        Community.objects.exclude(status=Community.Status.DELETED).values_list("pk", flat=True)
    )


def period_metrics(
    communities: list[int], start: datetime | None, end: datetime, *, network: bool = False
) -> dict[str, Any]:
    """A period's metrics; ``network`` (the interaction graph's, the costliest) only for the
    periods shown, not for those they are compared with."""
    found = {
        "start": start.isoformat() if start else None,
        "end": end.isoformat(),
        "responsiveness": metrics.responsiveness(communities, start, end),
        "activity": metrics.activity(communities, start, end),
        "participation": metrics.participation(communities, start, end),
        "knowledge": metrics.knowledge(communities, start, end),
        "mentoring": metrics.mentoring(communities, start, end),
    }
    if network:
        found["network"] = network_of(communities, start, end)
    return found


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def network_of(communities: list[int], start: datetime | None, end: datetime) -> dict[str, Any]:
    """The interaction network of the members (``guilde.analytics.network``, ADR 8)."""
    from guilde.accounts.models import Affiliation, User
    from guilde.analytics import network

    members = metrics.members_at(communities, end)
    # Each member's organisation: their first confirmed affiliation, else their first.
    first: dict[int, int] = {}
    confirmed: dict[int, int] = {}
    for member, organisation, confirmation in (
        Affiliation.objects.filter(member_id__in=members)
        .order_by("created_at", "pk")
        .values_list("member_id", "organisation_id", "confirmed_by")
    ):
        first.setdefault(member, organisation)
        if confirmation:
            confirmed.setdefault(member, organisation)
    organisations = {**first, **confirmed}
    named = set(
        User.objects.filter(pk__in=members, analytics_consent=True).values_list("pk", flat=True)
    )
    edges = network.interaction_edges(communities, start or EPOCH, end)
    return network.network_metrics(edges, members=members, organisations=organisations, named=named)


def periods_as_of(communities: list[int], end: datetime) -> dict[str, Any]:
    """Each period's metrics, and (under ``cohorts``, not a period) the retention of the
    monthly cohorts of new members, which does not depend on the period."""
    found: dict[str, Any] = {"cohorts": metrics.retention(communities, end)}
    for key, days in PERIODS.items():
        if days is None:
            found[key] = {
                "current": period_metrics(communities, None, end, network=True),
                "previous": None,
            }
            continue
        start = end - timedelta(days=days)
        found[key] = {
            "current": period_metrics(communities, start, end, network=True),
            "previous": period_metrics(communities, start - timedelta(days=days), start),
        }
    return found


def _by_day(rows: QuerySet[Any], field: str) -> dict[date, int]:
    return {
        row["day"]: row["n"]
        for row in rows.annotate(day=TruncDate(field, tzinfo=UTC))
        .values("day")
        .annotate(n=Count("pk"))
        if row["day"] is not None
    }


def daily_counts(
    communities: list[int], start: datetime, end: datetime
) -> dict[date, dict[str, int]]:
    """Day (UTC) → that day's activity, for every day of ``[start, end)`` with any: one
    query per kind of activity, whatever the number of days."""
    from guilde.discussions.models import Thread
    from guilde.events.models import Registration

    counters: dict[str, Callable[[], dict[date, int]]] = {
        "threads": lambda: _by_day(
            Thread.objects.listed().filter(
                community_id__in=communities, created_at__gte=start, created_at__lt=end
            ),
            "created_at",
        ),
        "questions": lambda: _by_day(
            Thread.objects.listed().filter(
                community_id__in=communities,
                kind=Thread.Kind.QUESTION,
                created_at__gte=start,
                created_at__lt=end,
            ),
            "created_at",
        ),
        "replies": lambda: _by_day(
            metrics.visible_posts(communities).filter(
                position__gt=1, created_at__gte=start, created_at__lt=end
            ),
            "created_at",
        ),
        "attendance": lambda: _by_day(
            Registration.objects.filter(
                event__community_id__in=communities,
                attendance__in=["in_person", "online"],
                event__start__gte=start,
                event__start__lt=end,
            ),
            "event__start",
        ),
    }
    for kind, (model_path, field) in _OTHER_COUNTS.items():
        counters[kind] = _other_counter(model_path, field, communities, start, end)
    days: dict[date, dict[str, int]] = defaultdict(dict)
    for kind, count in counters.items():
        for day, n in count().items():
            days[day][kind] = n
    return dict(days)


# Kinds counted by a plain filter on the community (model, the field dated, the path to the
# community).
_OTHER_COUNTS: dict[str, tuple[str, str]] = {
    "articles": ("knowledge.Article", "created_at"),
    "revisions": ("knowledge.ArticleRevision", "created_at"),
    "events": ("events.Event", "start"),
    "check_ins": ("mentoring.CheckIn", "created_at"),
}
_COMMUNITY_PATH = {
    "knowledge.Article": "community_id__in",
    "knowledge.ArticleRevision": "article__community_id__in",
    "events.Event": "community_id__in",
    "mentoring.CheckIn": "relationship__programme__community_id__in",
}


def _other_counter(
    model_path: str, field: str, communities: list[int], start: datetime, end: datetime
) -> Callable[[], dict[date, int]]:
    from django.apps import apps

    model = apps.get_model(model_path)

    def count() -> dict[date, int]:
        rows = model._default_manager.filter(
            **{
                _COMMUNITY_PATH[model_path]: communities,
                f"{field}__gte": start,
                f"{field}__lt": end,
            }
        )
        if model_path == "knowledge.Article":
            rows = rows.exclude(status="draft")
        if model_path == "events.Event":
            rows = rows.filter(status="scheduled")
        return _by_day(rows, field)

    return count


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def take(community: Community | None, *, now: datetime | None = None) -> Snapshot:
    """Today's snapshot of ``community`` (or the instance): the periods as of ``now``, and
    the activity of today so far and of yesterday, now complete."""
    now = now or timezone.now()
    communities = communities_of(community)
    today = now.astimezone(UTC).date()
    yesterday = today - timedelta(days=1)
    counts = daily_counts(communities, _midnight(yesterday), now)
    periods = periods_as_of(communities, now)
    with transaction.atomic():
        Snapshot.objects.update_or_create(
            community=community,
            day=yesterday,
            defaults={"counts": counts.get(yesterday, {})},
            create_defaults={"counts": counts.get(yesterday, {}), "computed_at": now},
        )
        snapshot, _created = Snapshot.objects.update_or_create(
            community=community,
            day=today,
            defaults={"counts": counts.get(today, {}), "periods": periods, "computed_at": now},
        )
    return snapshot


def take_all(*, now: datetime | None = None) -> int:
    """The daily job: every community not deleted, then the instance."""
    now = now or timezone.now()
    taken = 0
    for community in Community.objects.exclude(status=Community.Status.DELETED).order_by("pk"):
        take(community, now=now)
        taken += 1
    take(None, now=now)
    return taken + 1


def first_activity(communities: list[int]) -> datetime | None:
    from guilde.discussions.models import Thread
    from guilde.events.models import Event

    firsts = [
        Thread.objects.filter(community_id__in=communities).order_by("created_at")
        .values_list("created_at", flat=True).first(),
        Event.objects.filter(community_id__in=communities).order_by("start")
        .values_list("start", flat=True).first(),
    ]  # fmt: skip
    known = [moment for moment in firsts if moment is not None]
    return min(known) if known else None


def rebuild(
    *, now: datetime | None = None, progress: Callable[[Iterable[Any]], Iterable[Any]] = iter
) -> int:
    """Recompute every snapshot: each day's activity since the first, for every community
    and the instance, then today's periods. Returns the number of snapshots written."""
    now = now or timezone.now()
    targets: list[Community | None] = [
        *Community.objects.exclude(status=Community.Status.DELETED).order_by("pk"),
        None,
    ]
    written = 0
    for community in progress(targets):
        communities = communities_of(community)
        first = first_activity(communities)
        with transaction.atomic():
            Snapshot.objects.filter(community=community).delete()
            if first is not None:
                days = daily_counts(communities, _midnight(first.astimezone(UTC).date()), now)
                Snapshot.objects.bulk_create(
                    [
                        Snapshot(community=community, day=day, counts=counts, computed_at=now)
                        for day, counts in sorted(days.items())
                    ],
                    batch_size=1000,
                )
                written += len(days)
        take(community, now=now)
        written += 1
    return written
