"""The analytics dashboard: a community's (its coordinators, administrators) and the
instance's (administrators), read from the daily snapshots."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guilde.analytics import figures, labels, selectors, story_selectors
from guilde.analytics.snapshots import PERIODS
from guilde.communities import selectors as community_selectors


def _csv_url(dashboard: selectors.Dashboard, name: str) -> str:
    from django.urls import reverse

    if dashboard.community is None:
        url = reverse("analytics:instance_csv", args=[name])
    else:
        url = reverse("analytics:csv", args=[dashboard.community.slug, name])
    return f"{url}?period={dashboard.period}"


def _brokers(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The brokers with their names — consent checked again now: a member who withdrew it
    since the snapshot is no longer named."""
    from guilde.accounts.models import User

    named = {
        user.pk: user
        for user in User.objects.filter(
            pk__in=[b["member"] for b in found if b.get("member")], analytics_consent=True
        )
    }
    shown = []
    for n, broker in enumerate(found, start=1):
        member = named.get(broker.get("member") or 0)
        shown.append(
            {
                "member": member,
                "label": member.name
                if member
                else _("Anonymous member %(n)s") % {"n": broker.get("anonymous", n)},
                "betweenness": broker.get("betweenness"),
            }
        )
    return shown


def _waiting(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The questions waiting longest with their titles as they are now; those deleted or
    hidden since the snapshot are left out."""
    from guilde.discussions.models import Thread

    titles = dict(
        Thread.objects.listed()
        .filter(pk__in=[q["thread"] for q in found])
        .values_list("pk", "title")
    )
    return [{**q, "title": titles[q["thread"]]} for q in found if q["thread"] in titles]


def _context(request: HttpRequest, dashboard: selectors.Dashboard) -> dict[str, Any]:

    current, previous = dashboard.current, dashboard.previous
    days = PERIODS[dashboard.period]
    since = (
        dashboard.snapshot.computed_at - timedelta(days=days)
        if dashboard.snapshot is not None and days is not None
        else None
    )
    return {
        "dashboard": dashboard,
        "story_cycles": story_selectors.stories_by_cycle(
            request.user, dashboard.community, since, None
        ),
        "section_stories": story_selectors.stories_by_section(
            request.user, dashboard.community, since, None
        ),
        "periods": [(key, labels.PERIODS[key]) for key in PERIODS],
        "responsiveness": figures.compare_rows(current, previous, labels.RESPONSIVENESS),
        "activity": figures.compare_rows(current, previous, labels.ACTIVITY),
        "participation": figures.compare_rows(current, previous, labels.PARTICIPATION),
        "waiting": _waiting(figures.dig(current, "responsiveness", "waiting") or []),
        "figures": {
            name: (figures.build(dashboard, name), _csv_url(dashboard, name))
            for name in ("activity", "levels", "flows", "organisations", "retention")
        }
        if dashboard.snapshot
        else {},
        "csv": {
            name: _csv_url(dashboard, name)
            for name in (
                "responsiveness",
                "activity_table",
                "participation",
                "network",
                "knowledge",
                "mentoring",
            )
        },
        "knowledge": figures.compare_rows(current, previous, labels.KNOWLEDGE),
        "mentoring": figures.compare_rows(current, previous, labels.MENTORING),
        "network": figures.compare_rows(current, None, labels.NETWORK)
        if current.get("network")
        else [],
        "brokers": _brokers((current.get("network") or {}).get("brokers") or []),
    }


@login_required
@require_GET
def community_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_selectors.community_get(
        viewer=request.user, slug=slug, action="view", details=False
    )
    dashboard = selectors.dashboard(
        viewer=request.user, community=community, period=request.GET.get("period")
    )
    context = _context(request, dashboard)
    context["community"] = community
    context["report"] = request.GET.get("report") == "1"
    context["permissions"] = community_selectors.viewer_permissions(request.user, community)
    return render(request, "analytics/dashboard.html", context)


@login_required
@require_GET
def instance_dashboard(request: HttpRequest) -> HttpResponse:
    dashboard = selectors.dashboard(
        viewer=request.user, community=None, period=request.GET.get("period")
    )
    context = _context(request, dashboard)
    context["report"] = request.GET.get("report") == "1"
    return render(request, "analytics/dashboard.html", context)


@login_required
@require_POST
def refresh(request: HttpRequest, slug: str) -> HttpResponse:
    """Ask the worker for the community's snapshot now (a new community has none before
    the night)."""
    from guilde.accounts.models import User
    from guilde.analytics.services import snapshot_request

    community = community_selectors.community_get(
        viewer=request.user, slug=slug, action="view", details=False
    )
    if not isinstance(request.user, User):
        raise PermissionDenied
    snapshot_request(actor=request.user, community=community)
    messages.success(request, _("The numbers are being computed: reload the page in a minute."))
    return redirect("analytics:community", slug=community.slug)


@login_required
@require_GET
def figure_csv(request: HttpRequest, name: str, slug: str | None = None) -> HttpResponse:
    """One figure's numbers as CSV (a community's, or with no community the instance's)."""
    from django.http import Http404

    from guilde.analytics.charts import csv_response

    if name not in figures.FIGURES:
        raise Http404
    community = (
        community_selectors.community_get(
            viewer=request.user, slug=slug, action="view", details=False
        )
        if slug
        else None
    )
    dashboard = selectors.dashboard(
        viewer=request.user, community=community, period=request.GET.get("period")
    )
    if dashboard.snapshot is None:
        raise Http404
    figure = figures.build(dashboard, name)
    prefix = community.slug if community else "instance"
    return csv_response(f"{prefix}-{name}-{dashboard.period}.csv", figure.header, figure.rows)
