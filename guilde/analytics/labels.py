"""What the dashboard calls each number (translated), in the order it shows them."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

PERIODS = {
    "7": _("Last 7 days"),
    "28": _("Last 28 days"),
    "90": _("Last 90 days"),
    "365": _("Last 365 days"),
    "all": _("Whole history"),
}

# (section of the period's metrics, key — dotted for nested —, label)
RESPONSIVENESS: list[tuple[str, str, Any]] = [
    ("responsiveness", "questions", _("Questions asked")),
    ("responsiveness", "unanswered", _("Still without an answer")),
    ("responsiveness", "unanswered_rate", _("Share without an answer")),
    ("responsiveness", "first_answer_hours.median", _("Time to a first answer, median (hours)")),
    (
        "responsiveness",
        "first_answer_hours.p90",
        _("Time to a first answer, 90th percentile (hours)"),
    ),
    ("responsiveness", "accepted", _("Questions with an accepted answer")),
    ("responsiveness", "accepted_hours.median", _("Time to the accepted answer, median (hours)")),
    (
        "responsiveness",
        "accepted_hours.p90",
        _("Time to the accepted answer, 90th percentile (hours)"),
    ),
]
ACTIVITY: list[tuple[str, str, Any]] = [
    ("activity", "threads", _("Threads started")),
    ("activity", "questions", _("of which questions")),
    ("activity", "replies", _("Replies")),
    ("activity", "comments", _("Comments")),
    ("activity", "articles", _("Articles published")),
    ("activity", "revisions", _("Article revisions")),
    ("activity", "events", _("Events held")),
    ("activity", "attendance", _("Attendances")),
    ("activity", "attendance_in_person", _("of which in person")),
    ("activity", "attendance_online", _("of which online")),
    ("activity", "check_ins", _("Mentoring check-ins")),
]
PARTICIPATION: list[tuple[str, str, Any]] = [
    ("participation", "members", _("Members")),
    ("participation", "active.7", _("Active in the last 7 days")),
    ("participation", "active.28", _("Active in the last 28 days")),
    ("participation", "active.90", _("Active in the last 90 days")),
    ("participation", "contributors", _("Contributors")),
    ("participation", "readers", _("Readers who did not contribute")),
    ("participation", "contributions", _("Contributions")),
    ("participation", "top_1_share", _("Share of contributions by the top 1 %")),
    ("participation", "top_10_share", _("Share of contributions by the top 10 %")),
    ("participation", "gini", _("Participation inequality (Gini)")),
]
KNOWLEDGE: list[tuple[str, str, Any]] = [
    ("knowledge", "published", _("Articles published")),
    ("knowledge", "verified", _("Articles verified")),
    ("knowledge", "needs_review", _("Articles needing review (now)")),
    ("knowledge", "archived", _("Articles archived (now)")),
    ("knowledge", "feedback", _("“Was this helpful?” answers")),
    ("knowledge", "helpful_rate", _("Share found helpful")),
    ("knowledge", "replies_linking_articles", _("Replies linking to an article")),
    ("knowledge", "articles_linked", _("Articles linked from replies")),
    ("knowledge", "article_views", _("Article views")),
    ("knowledge", "article_views_from_search", _("Articles opened from a search")),
]
MENTORING: list[tuple[str, str, Any]] = [
    ("mentoring", "published", _("Pairs proposed to their members")),
    ("mentoring", "accepted", _("Pairs accepted")),
    ("mentoring", "declined", _("Pairs declined")),
    ("mentoring", "started", _("Relationships started")),
    ("mentoring", "active", _("Relationships active at the end")),
    ("mentoring", "finished", _("Relationships finished")),
    ("mentoring", "feedback", _("Feedback given")),
    ("mentoring", "mean_rating", _("Mean rating (1–5)")),
]
NETWORK: list[tuple[str, str, Any]] = [
    ("network", "nodes", _("Members in the network")),
    ("network", "edges", _("Pairs who interacted")),
    ("network", "density", _("Density")),
    ("network", "average_clustering", _("Clustering (average)")),
    ("network", "transitivity", _("Transitivity")),
    ("network", "degree_centralisation", _("Centralisation (degree)")),
    ("network", "isolated", _("Isolated members")),
    ("network", "core.k", _("Core: contacts each at least")),
    ("network", "core.size", _("Core: members")),
    ("network", "components", _("Separate groups")),
    ("network", "largest_component_share", _("Share in the largest group")),
    ("network", "cross_organisation_share", _("Share of interactions across organisations")),
]
LEVELS = {
    "core": _("Core"),
    "active": _("Active"),
    "occasional": _("Occasional"),
    "peripheral": _("Peripheral"),
    "inactive": _("Inactive"),
}
FLOW_FROM = {**LEVELS, "new": _("New this period")}
SERIES = {
    "threads": _("Threads"),
    "questions": _("Questions"),
    "replies": _("Replies"),
    "articles": _("Articles"),
    "revisions": _("Revisions"),
    "events": _("Events"),
    "attendance": _("Attendances"),
    "check_ins": _("Check-ins"),
}


def flow_rows(flows: dict[str, dict[str, int]]) -> list[tuple[Any, list[int]]]:
    """The flow matrix as rows: from a level (or new) at the period's start, how many are at
    each level at its end."""
    return [
        (FLOW_FROM[origin], [flows.get(origin, {}).get(level, 0) for level in LEVELS])
        for origin in FLOW_FROM
        if origin in flows
    ]
