"""The site's URLs plus a page of figures and a CSV, for the charts' browser test only
(``settings.ROOT_URLCONF = "guilde.analytics.tests.urls"``)."""

from __future__ import annotations

import datetime

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns
from guilde.analytics import charts
from guilde.analytics.charts import Series

PAGE = (
    '{% extends "base.html" %}{% block content %}<div class="container"><h1>Figures</h1>'
    '{% for figure in figures %}{% include "analytics/_figure.html" with chart=figure.chart '
    "caption=figure.caption table=figure.table csv_url=figure.csv_url %}{% endfor %}"
    "</div>{% endblock %}"
)

WEEKS = [
    (datetime.date(2026, 1, 5) + datetime.timedelta(weeks=n)).strftime("%d %b") for n in range(52)
]
ACTIVE: list[float | None] = [float(12 + (n * 7) % 29) for n in range(52)]
ACTIVE[20:23] = [None, None, None]
POSTING: list[float | None] = [None if v is None else round(v * 0.4, 1) for v in ACTIVE]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
QUESTIONS: list[float | None] = [30, 42, 28, 51, 60, 12, 8, 15, 44, 70, 66, 1234]
IDEAS: list[float | None] = [3, 5, 2, 8, 0, None, 1, 2, 6, 9, 7, 10]
COHORTS = ["2026-01", "2026-02", "2026-03", "2026-04"]
AGES = ["M0", "M1", "M2", "M3"]
RETENTION: list[list[float | None]] = [
    [100, 61, 45, 40],
    [100, 58, 41, None],
    [100, 66, None, None],
    [100, None, None, None],
]


def _figures() -> list[dict[str, object]]:
    line_series = [Series("Active <members>", ACTIVE), Series("Posting & replying", POSTING)]
    bar_series = [Series("Questions", QUESTIONS), Series("Ideas", IDEAS)]
    return [
        {
            "caption": "Active members per week",
            "chart": charts.line_chart(
                title="Active members per week",
                series=line_series,
                x_labels=WEEKS,
                y_label="members",
            ),
            "table": charts.series_table(
                caption="Active members per week",
                x_header="Week",
                x_labels=WEEKS,
                series=line_series,
            ),
            "csv_url": "/test-charts/active.csv",
        },
        {
            "caption": "New threads per month",
            "chart": charts.bar_chart(
                title="New threads per month",
                series=bar_series,
                x_labels=MONTHS,
                stacked=True,
                description="Most months between 10 and 80; October is the highest.",
            ),
            "table": charts.series_table(
                caption="New threads per month",
                x_header="Month",
                x_labels=MONTHS,
                series=bar_series,
            ),
            "csv_url": "",
        },
        {
            "caption": "Retention by cohort",
            "chart": charts.heatmap(
                title="Retention by cohort",
                rows=COHORTS,
                columns=AGES,
                values=RETENTION,
                value_label="% still active",
            ),
            "table": charts.matrix_table(
                caption="Retention by cohort",
                corner="Cohort",
                rows=COHORTS,
                columns=AGES,
                values=RETENTION,
            ),
            "csv_url": "",
        },
    ]


def figures_page(request: HttpRequest) -> HttpResponse:
    page = engines["django"].from_string(PAGE)
    return HttpResponse(page.render({"figures": _figures()}, request))


def active_csv(request: HttpRequest) -> HttpResponse:
    return charts.csv_response(
        "active.csv",
        ["week", "Active <members>", "Posting & replying"],
        zip(WEEKS, ACTIVE, POSTING, strict=True),
    )


urlpatterns = [
    path("test-charts/", figures_page),
    path("test-charts/active.csv", active_csv),
    *site_urlpatterns,
]
