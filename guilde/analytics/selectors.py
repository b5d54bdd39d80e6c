"""Reads of analytics: the latest snapshot of a community (or of the instance) for a period,
and its days for the series. Two queries, whatever the period."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from guilde.analytics.models import Snapshot
from guilde.analytics.snapshots import DEFAULT_PERIOD, PERIODS
from guilde.communities.models import Community
from guilde.communities.permissions import is_admin
from guilde.core.permissions import require

SERIES = ("threads", "questions", "replies", "articles", "revisions", "events", "attendance",
          "check_ins")  # fmt: skip


@dataclass(frozen=True)
class Dashboard:
    community: Community | None
    period: str
    snapshot: Snapshot | None
    current: dict[str, Any] = field(default_factory=dict)
    previous: dict[str, Any] | None = None
    days: list[date] = field(default_factory=list)
    series: dict[str, list[int]] = field(default_factory=dict)
    cohorts: list[dict[str, Any]] = field(default_factory=list)


def _period(value: str | None) -> str:
    if not value:
        return DEFAULT_PERIOD
    if value not in PERIODS:
        raise Http404
    return value


def dashboard(*, viewer: Any, community: Community | None, period: str | None) -> Dashboard:
    """The dashboard's numbers: a community's for those who may see its analytics, the
    instance's for administrators."""
    if community is None:
        if not is_admin(viewer):
            raise PermissionDenied
    else:
        require(viewer, "view_analytics", community)
    key = _period(period)
    latest = (
        Snapshot.objects.filter(community=community).exclude(periods={}).order_by("-day").first()
    )
    if latest is None:
        return Dashboard(community=community, period=key, snapshot=None)
    chosen = latest.periods.get(key, {})
    days_back = PERIODS[key]
    first = latest.day - timedelta(days=(days_back or 365) - 1)
    stored = dict(
        Snapshot.objects.filter(
            community=community, day__gte=first, day__lte=latest.day
        ).values_list("day", "counts")
    )
    days = [first + timedelta(days=n) for n in range((latest.day - first).days + 1)]
    series = {name: [stored.get(day, {}).get(name, 0) for day in days] for name in SERIES}
    current = chosen.get("current") or {}
    _forget_withdrawn_consent(current)
    return Dashboard(
        community=community,
        period=key,
        snapshot=latest,
        current=current,
        previous=chosen.get("previous"),
        days=days,
        series=series,
        cohorts=latest.periods.get("cohorts") or [],
    )


def _forget_withdrawn_consent(current: dict[str, Any]) -> None:
    """Brokers named in the snapshot who no longer consent to be named become anonymous
    (pages and API alike)."""
    from guilde.accounts.models import User

    brokers = (current.get("network") or {}).get("brokers") or []
    ids = [broker["member"] for broker in brokers if broker.get("member")]
    if not ids:
        return
    still = set(
        User.objects.filter(pk__in=ids, analytics_consent=True).values_list("pk", flat=True)
    )
    for n, broker in enumerate(brokers, start=1):
        if broker.get("member") and broker["member"] not in still:
            broker["member"] = None
            broker["label"] = f"anonymous member {n}"
            broker["anonymous"] = n
