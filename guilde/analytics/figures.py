"""The dashboard's figures, each as a chart, its table and its CSV rows — built once from a
:class:`~guilde.analytics.selectors.Dashboard`, for the page and for the CSV download."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from guilde.analytics import charts, labels
from guilde.analytics.selectors import Dashboard

WEEKLY_AFTER = 60  # days: longer periods are drawn week by week
FIGURES = (
    "activity", "levels", "flows", "responsiveness", "participation", "activity_table",
    "network", "organisations", "retention", "knowledge", "mentoring",
)  # fmt: skip


@dataclass(frozen=True)
class Figure:
    name: str
    caption: str
    chart: SafeString | None
    table: charts.DataTable | None
    header: list[str]
    rows: list[list[Any]]


def _buckets(days: list[date]) -> list[tuple[date, list[int]]]:
    """Indexes of ``days`` per bucket: each day, or each week (from Monday) for long periods."""
    if len(days) <= WEEKLY_AFTER:
        return [(day, [i]) for i, day in enumerate(days)]
    weeks: dict[date, list[int]] = {}
    for i, day in enumerate(days):
        weeks.setdefault(day - timedelta(days=day.weekday()), []).append(i)
    return list(weeks.items())


def activity(dashboard: Dashboard) -> Figure:
    buckets = _buckets(dashboard.days)
    weekly = len(dashboard.days) > WEEKLY_AFTER
    shown = ("threads", "questions", "replies", "attendance")
    series = [
        charts.Series(
            str(labels.SERIES[name]),
            [float(sum(dashboard.series[name][i] for i in indexes)) for _start, indexes in buckets],
        )
        for name in shown
    ]
    x_labels = [date_format(start, "j M") for start, _indexes in buckets]
    caption = _("Activity per week") if weekly else _("Activity per day")
    header = [_("Week of") if weekly else _("Day"), *(one.name for one in series)]
    return Figure(
        name="activity",
        caption=caption,
        chart=charts.line_chart(title=caption, series=series, x_labels=x_labels),
        table=charts.series_table(
            caption=caption, x_header=header[0], x_labels=x_labels, series=series
        ),
        header=header,
        rows=[
            [start.isoformat(), *(one.values[n] for one in series)]
            for n, (start, _indexes) in enumerate(buckets)
        ],
    )


def levels(dashboard: Dashboard) -> Figure:
    found = dashboard.current.get("participation", {}).get("levels", {})
    names = [str(labels.LEVELS[level]) for level in labels.LEVELS]
    counts = [float(found.get(level, 0)) for level in labels.LEVELS]
    caption = _("Members by level (the last 90 days)")
    series = [charts.Series(_("Members"), counts)]
    return Figure(
        name="levels",
        caption=caption,
        chart=charts.bar_chart(title=caption, series=series, x_labels=names),
        table=charts.series_table(
            caption=caption, x_header=_("Level"), x_labels=names, series=series
        ),
        header=[_("Level"), _("Members")],
        rows=[[level, int(count)] for level, count in zip(labels.LEVELS, counts, strict=True)],
    )


def flows(dashboard: Dashboard) -> Figure:
    rows = labels.flow_rows(dashboard.current.get("participation", {}).get("flows") or {})
    columns = [str(labels.LEVELS[level]) for level in labels.LEVELS]
    caption = _("From one level to another over the period")
    values = [[float(n) for n in counts] for _origin, counts in rows]
    names = [str(origin) for origin, _counts in rows]
    return Figure(
        name="flows",
        caption=caption,
        chart=charts.heatmap(title=caption, rows=names, columns=columns, values=values)
        if rows
        else None,
        table=charts.matrix_table(
            caption=caption, corner=_("At the start"), rows=names, columns=columns, values=values
        )
        if rows
        else None,
        header=[_("At the start"), *columns],
        rows=[[name, *counts] for name, (_origin, counts) in zip(names, rows, strict=True)],
    )


def compare_rows(
    current: dict[str, Any], previous: dict[str, Any] | None, names: list[tuple[str, str, Any]]
) -> list[dict[str, Any]]:
    """Table rows: a metric's value this period, the period before, and the change."""
    rows = []
    for section, key, label in names:
        now = dig(current, section, key)
        before = dig(previous, section, key) if previous else None
        change = None
        if isinstance(now, int | float) and isinstance(before, int | float):
            change = round(now - before, 4)
        rows.append({"label": label, "now": now, "before": before, "change": change})
    return rows


def dig(data: dict[str, Any] | None, section: str, key: str) -> Any:
    value: Any = (data or {}).get(section, {})
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def compared(dashboard: Dashboard, name: str) -> Figure:
    """A table of measures, this period against the one before (CSV only: the page shows it
    as a table already)."""
    names = {
        "responsiveness": labels.RESPONSIVENESS,
        "participation": labels.PARTICIPATION,
        "activity_table": labels.ACTIVITY,
        "knowledge": labels.KNOWLEDGE,
        "mentoring": labels.MENTORING,
    }[name]
    rows = compare_rows(dashboard.current, dashboard.previous, names)
    return Figure(
        name=name,
        caption=name,
        chart=None,
        table=None,
        header=[_("Measure"), _("This period"), _("Period before"), _("Difference")],
        rows=[[str(r["label"]), r["now"], r["before"], r["change"]] for r in rows],
    )


ORGANISATIONS_SHOWN = 12


def organisations(dashboard: Dashboard) -> Figure:
    """Interaction weight between organisations (members without one under "none"): the
    chart and its table show the :data:`ORGANISATIONS_SHOWN` organisations with the most
    interactions and the others together (an instance may have hundreds: a page of their
    every pair would weigh megabytes); the CSV has every pair."""
    from guilde.accounts.models import Organisation

    cells = (dashboard.current.get("network") or {}).get("organisations") or []
    weight: dict[tuple[str, str], float] = {}
    total: dict[str, float] = {}
    for cell in cells:
        a, b, value = str(cell["a"]), str(cell["b"]), float(cell["weight"])
        weight[(a, b)] = weight[(b, a)] = value
        total[a] = total.get(a, 0.0) + value
        if b != a:
            total[b] = total.get(b, 0.0) + value
    names = dict(
        Organisation.objects.filter(pk__in=[int(k) for k in total if k != "none"]).values_list(
            "pk", "name"
        )
    )
    label = {k: (_("No organisation") if k == "none" else names.get(int(k), k)) for k in total}
    keys = sorted(total, key=lambda k: (k == "none", str(label[k]).casefold(), k))
    values = [[weight.get((a, b), 0.0) for b in keys] for a in keys]
    rows = [str(label[k]) for k in keys]
    busiest = set(sorted(keys, key=lambda k: (-total[k], k))[:ORGANISATIONS_SHOWN])
    shown = [k for k in keys if k in busiest]
    others = [k for k in keys if k not in set(shown)]
    groups: list[list[str]] = [[k] for k in shown] + ([others] if others else [])
    short_rows = [str(label[k]) for k in shown] + (
        [_("Other organisations (%(count)s)") % {"count": len(others)}] if others else []
    )
    short_values = [
        [
            round(
                sum(
                    weight.get((a, b), 0.0)
                    for i, a in enumerate(first)
                    for j, b in enumerate(second)
                    # inside "others", each pair once (the matrix is symmetric)
                    if first is not second or i <= j
                ),
                2,
            )
            for second in groups
        ]
        for first in groups
    ]
    caption = _("Interactions between organisations")
    if others:
        caption = _(
            "Interactions between the %(shown)s organisations with the most, and the others "
            "together (every pair in the CSV)"
        ) % {"shown": len(shown)}
    return Figure(
        name="organisations",
        caption=caption,
        chart=charts.heatmap(
            title=caption, rows=short_rows, columns=short_rows, values=short_values
        )
        if keys
        else None,
        table=charts.matrix_table(
            caption=caption,
            corner=_("Organisation"),
            rows=short_rows,
            columns=short_rows,
            values=short_values,
        )
        if keys
        else None,
        header=[_("Organisation"), *rows],
        rows=[[name, *line] for name, line in zip(rows, values, strict=True)],
    )


def retention(dashboard: Dashboard) -> Figure:
    """Monthly cohorts of new members and the share still active 1, 3 and 6 months on."""
    cohorts = [c for c in dashboard.cohorts if c.get("members")]
    caption = _("New members still active after 1, 3 and 6 months")
    months = [date_format(date.fromisoformat(c["month"]), "M Y") for c in cohorts]
    columns = [_("after 1 month"), _("after 3 months"), _("after 6 months")]
    values = [
        [None if c[k] is None else round(100 * c[k], 1) for k in ("1", "3", "6")] for c in cohorts
    ]
    return Figure(
        name="retention",
        caption=caption,
        chart=charts.heatmap(
            title=caption, rows=months, columns=columns, values=values, value_label="%"
        )
        if cohorts
        else None,
        table=charts.matrix_table(
            caption=caption, corner=_("Joined in"), rows=months, columns=columns, values=values
        )
        if cohorts
        else None,
        header=[_("Joined in"), _("New members"), *columns],
        rows=[[c["month"], c["members"], *line] for c, line in zip(cohorts, values, strict=True)],
    )


def network_rows(dashboard: Dashboard) -> Figure:
    rows = compare_rows(dashboard.current, None, labels.NETWORK)
    return Figure(
        name="network",
        caption="network",
        chart=None,
        table=None,
        header=[_("Measure"), _("This period")],
        rows=[[str(r["label"]), r["now"]] for r in rows],
    )


def build(dashboard: Dashboard, name: str) -> Figure:
    if name == "retention":
        return retention(dashboard)
    if name == "organisations":
        return organisations(dashboard)
    if name == "network":
        return network_rows(dashboard)
    if name == "activity":
        return activity(dashboard)
    if name == "levels":
        return levels(dashboard)
    if name == "flows":
        return flows(dashboard)
    return compared(dashboard, name)
