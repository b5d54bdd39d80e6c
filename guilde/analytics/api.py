"""API of analytics: a community's metrics (its coordinators, administrators) and the
instance's (administrators), from the daily snapshots; definitions in docs/analytics.md."""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from guilde.accounts.api import refusals, signed_in
from guilde.analytics import selectors, services
from guilde.api.auth import member_auth
from guilde.communities.selectors import community_get

router = Router(tags=["analytics"])

PeriodLiteral = Literal["7", "28", "90", "365", "all"]


class PeriodParams(Schema):
    period: PeriodLiteral = Field("28", description="The last 7, 28, 90, 365 days, or all.")


class MetricsOut(Schema):
    period: str
    computed_at: str | None = Field(
        ...,
        description="When the snapshot was taken (null: none yet; the worker takes one a night).",
    )
    current: dict[str, Any] = Field(
        ..., description="This period's responsiveness, activity and participation."
    )
    previous: dict[str, Any] | None = Field(
        ..., description="The period just before, for comparison (null for the whole history)."
    )
    days: list[str] = Field(..., description="The days of the series (UTC).")
    series: dict[str, list[int]] = Field(..., description="Activity per day, by kind.")


def _out(dashboard: selectors.Dashboard) -> dict[str, Any]:
    return {
        "period": dashboard.period,
        "computed_at": dashboard.snapshot.computed_at.isoformat() if dashboard.snapshot else None,
        "current": dashboard.current,
        "previous": dashboard.previous,
        "days": [day.isoformat() for day in dashboard.days],
        "series": dashboard.series,
    }


@router.get("/communities/{slug}/analytics", response=MetricsOut, auth=member_auth)
def community_metrics(
    request: HttpRequest, slug: str, params: Query[PeriodParams]
) -> dict[str, Any]:
    """A community's health: its coordinators and the instance's administrators."""
    viewer = signed_in(request)
    community = community_get(viewer=viewer, slug=slug, action="view", details=False)
    return _out(selectors.dashboard(viewer=viewer, community=community, period=params.period))


@router.get("/analytics", response=MetricsOut, auth=member_auth)
def instance_metrics(request: HttpRequest, params: Query[PeriodParams]) -> dict[str, Any]:
    """The instance's health: administrators."""
    viewer = signed_in(request)
    try:
        return _out(selectors.dashboard(viewer=viewer, community=None, period=params.period))
    except PermissionDenied as error:
        raise HttpError(403, "Administrators only.") from error


@router.post("/communities/{slug}/analytics/refresh", response={202: None}, auth=member_auth)
def community_metrics_refresh(request: HttpRequest, slug: str) -> Status[None]:
    """Ask the worker for the community's snapshot now, as the dashboard's button does (a
    new community has none before the night): its coordinators and the instance's
    administrators. Answers 202 at once; ``computed_at`` changes when the worker is done."""
    viewer = signed_in(request)
    community = community_get(viewer=viewer, slug=slug, action="view", details=False)
    with refusals():
        services.snapshot_request(actor=viewer, community=community)
    return Status(202, None)
