"""The interaction network of a community, or of the whole instance (issue 16).

Two steps, run by the daily snapshot job (never in a request):

- :func:`interaction_edges` reads who interacted with whom over a window from the
  database — replies, mentions, mentoring, attending the same event — as undirected
  weighted edges between member ids, in a fixed number of queries;
- :func:`network_metrics` turns them into the numbers the dashboard shows: density,
  clustering, centralisation, brokers, isolated members, the core, components and the
  organisation × organisation matrix, with python-igraph (ADR 8).

Members who did not consent to be named (``User.analytics_consent``) are counted but never
named: their ids never leave :func:`network_metrics`. The definitions and their choices are
in docs/analytics.md, "Network".
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import igraph
from django.db.models import Q

from guilde.events.models import Event, OccurrenceChange, Registration
from guilde.mentoring.models import Relationship
from guilde.notifications.models import Kind, Notification

Edge = tuple[int, int, float]

# Weights: one reply, one mention, one mentoring relationship (overlapping the window) are
# worth one each; an occurrence of an event is worth one to each attendee, shared among the
# others present (1 / (n - 1) per pair), so a crowd does not outweigh conversations.
REPLY_WEIGHT = 1.0
MENTION_WEIGHT = 1.0
MENTORING_WEIGHT = 1.0
# Attendees of one occurrence paired at most: the first who answered (by registration).
CO_ATTENDANCE_CAP = 50
ATTENDED = (Registration.Attendance.IN_PERSON, Registration.Attendance.ONLINE)
SEATS = (Registration.Response.IN_PERSON, Registration.Response.ONLINE)

# Exact betweenness costs one breadth-first search per member: about members × edges steps,
# 12–25 ns each for igraph on the 2-core VM (ADR 8). Exact up to this much work (about 5 s),
# estimated from BETWEENNESS_PIVOTS seeded pivots beyond (pivots × edges steps).
EXACT_BETWEENNESS_WORK = 250_000_000
BETWEENNESS_PIVOTS = 1_024
BETWEENNESS_SEED = 16
NO_ORGANISATION = "none"
DIGITS = 6


# Edges from the database ---------------------------------------------------------------------


def interaction_edges(community_ids: list[int], start: datetime, end: datetime) -> list[Edge]:
    """Who interacted with whom in these communities over ``[start, end)``: undirected
    ``(lower id, higher id, weight)`` edges, sorted, weights added up, no self-loops.

    Five queries whatever the data: replies, mentions, mentoring, then the occurrences
    moved or cancelled and the registrations of events.
    """
    weights: defaultdict[tuple[int, int], float] = defaultdict(float)

    def add(a: int | None, b: int | None, weight: float) -> None:
        if a is not None and b is not None and a != b:
            weights[(a, b) if a < b else (b, a)] += weight

    for author, replied_to, thread_author in _replies(community_ids, start, end):
        add(author, replied_to if replied_to is not None else thread_author, REPLY_WEIGHT)
    for actor, recipient in _mentions(community_ids, start, end):
        add(actor, recipient, MENTION_WEIGHT)
    for mentor, mentee in _mentoring(community_ids, start, end):
        add(mentor, mentee, MENTORING_WEIGHT)
    for attendees in _occurrence_attendees(community_ids, start, end):
        for i, first in enumerate(attendees):
            for second in attendees[i + 1 :]:
                add(first, second, 1.0 / (len(attendees) - 1))
    return [(a, b, round(weight, DIGITS)) for (a, b), weight in sorted(weights.items())]


def _replies(
    community_ids: list[int], start: datetime, end: datetime
) -> Iterable[tuple[int, int | None, int | None]]:
    """A visible reply (not the opening post) in a listed thread: its author, the author of
    the post it answers, the thread's author (when it answers no post in particular)."""
    from guilde.analytics.metrics import visible_posts

    return (
        visible_posts(community_ids)
        .filter(position__gt=1, created_at__gte=start, created_at__lt=end, author__isnull=False)
        .order_by()
        .values_list("author_id", "reply_to__author_id", "thread__author_id")
        .iterator(chunk_size=10_000)
    )


def _mentions(
    community_ids: list[int], start: datetime, end: datetime
) -> Iterable[tuple[int | None, int]]:
    """Mentions, as their notifications record them (the text is not parsed again): the
    author of a visible post in a listed thread and the member they mentioned. Dated by the
    post, like replies. A mention of someone who blocked the author or may not read the
    post made no notification, so it is not counted either (docs/analytics.md)."""
    return (
        Notification.objects.filter(
            kind=Kind.MENTION,
            actor__isnull=False,
            post__thread__community_id__in=community_ids,
            post__created_at__gte=start,
            post__created_at__lt=end,
            post__deleted_at__isnull=True,
            post__hidden_at__isnull=True,
            post__thread__deleted_at__isnull=True,
            post__thread__hidden_at__isnull=True,
        )
        .order_by()
        .values_list("actor_id", "recipient_id")
    )


def _mentoring(
    community_ids: list[int], start: datetime, end: datetime
) -> Iterable[tuple[int, int]]:
    """Mentor and mentee of each relationship of these communities' programmes that was
    running at some point of the window (started before its end, not finished before it)."""
    return (
        Relationship.objects.filter(programme__community_id__in=community_ids, started_at__lt=end)
        .filter(Q(finished_at__isnull=True) | Q(finished_at__gte=start))
        .order_by()
        .values_list("mentor_id", "mentee_id")
    )


def _occurrence_attendees(
    community_ids: list[int], start: datetime, end: datetime
) -> list[list[int]]:
    """For each occurrence that started in the window (a single event, or one occurrence of
    a series where it really took place: moved ones at their new time, cancelled ones not
    at all), its attendees: marked present in person or online, or holding a seat when
    nobody marked attendance. At most :data:`CO_ATTENDANCE_CAP`, the first registered."""
    in_window = Q(original_start__gte=start, original_start__lt=end) | Q(
        start__gte=start, start__lt=end
    )
    changes = {
        (event_id, key): (cancelled, moved_to)
        for event_id, key, cancelled, moved_to in OccurrenceChange.objects.filter(
            in_window, event__community_id__in=community_ids
        ).values_list("event_id", "original_start", "cancelled", "start")
    }
    moved_in = [
        (event_id, key)
        for (event_id, key), (cancelled, moved_to) in changes.items()
        if not cancelled and moved_to is not None and start <= moved_to < end
    ]
    when = Q(occurrence__isnull=True, event__start__gte=start, event__start__lt=end) | Q(
        occurrence__gte=start, occurrence__lt=end
    )
    if moved_in:
        when |= Q(
            event_id__in={event_id for event_id, _key in moved_in},
            occurrence__in={key for _event_id, key in moved_in},
        )
    attended = Q(attendance__in=ATTENDED) | Q(
        attendance=Registration.Attendance.UNKNOWN, response__in=SEATS, waitlisted=False
    )
    rows = (
        Registration.objects.filter(when, attended, event__community_id__in=community_ids)
        .exclude(event__status=Event.Status.CANCELLED)
        .order_by("pk")
        .values_list("event_id", "occurrence", "event__start", "member_id")
    )
    occurrences: dict[tuple[int, datetime | None], list[int]] = {}
    for event_id, key, event_start, member_id in rows:
        began = event_start
        if key is not None:
            cancelled, moved_to = changes.get((event_id, key), (False, None))
            if cancelled:
                continue
            began = moved_to or key
        if not start <= began < end:
            continue
        attendees = occurrences.setdefault((event_id, key), [])
        if len(attendees) < CO_ATTENDANCE_CAP and member_id not in attendees:
            attendees.append(member_id)
    return [attendees for attendees in occurrences.values() if len(attendees) > 1]


# Metrics ------------------------------------------------------------------------------------


def network_metrics(
    edges: Iterable[Edge],
    *,
    members: Iterable[int],
    organisations: dict[int, int],
    named: set[int],
    brokers: int = 10,
    exact_betweenness_work: int = EXACT_BETWEENNESS_WORK,
    pivots: int = BETWEENNESS_PIVOTS,
) -> dict[str, Any]:
    """The network's numbers, JSON-serialisable and deterministic.

    ``members``: everyone the network is about (those without an edge are its isolated
    members); anyone at the end of an edge is a node too. ``organisations``: each member's
    organisation, if any. ``named``: members who consented to be named; a broker outside it
    is "anonymous member N" and its id is not returned. Density counts every node; the
    structural measures (clustering, centralisation, betweenness, core, components) are
    those of the members who interacted, so silent members do not read as centralisation.
    """
    weights: defaultdict[tuple[int, int], float] = defaultdict(float)
    for a, b, weight in edges:
        if a != b:
            weights[(a, b) if a < b else (b, a)] += weight
    active = sorted({member for pair in weights for member in pair})
    nodes = len(set(members) | set(active))
    index = {member: i for i, member in enumerate(active)}
    graph = igraph.Graph(n=len(active), edges=[(index[a], index[b]) for a, b in weights])
    total_weight = sum(weights.values())
    betweenness, method = _betweenness(graph, exact_betweenness_work, pivots)
    core_k, core_size = _main_core(graph)
    components = graph.connected_components().sizes() if active else []
    return {
        "nodes": nodes,
        "edges": len(weights),
        "weight": round(total_weight, DIGITS),
        "density": _round(2 * len(weights) / (nodes * (nodes - 1)) if nodes > 1 else 0.0),
        "average_clustering": _round(_average_clustering(graph)),
        "transitivity": _round(_transitivity(graph)),
        "degree_centralisation": _round(_degree_centralisation(graph.degree())),
        "brokers": _brokers(betweenness, active, named, brokers),
        "betweenness": method,
        "isolated": nodes - len(active),
        "core": {
            "k": core_k,
            "size": core_size,
            "share": _round(core_size / nodes if nodes else 0.0),
        },
        "components": len(components),
        "largest_component_share": _round(max(components) / nodes if components else 0.0),
        "organisations": _organisation_matrix(weights, organisations),
        "cross_organisation_share": _cross_share(weights, organisations),
    }


def _round(value: float) -> float:
    return round(float(value), DIGITS)


def _average_clustering(graph: igraph.Graph) -> float:
    """Mean local clustering of the members with at least two contacts (below two it is
    undefined, and counting it as 0 would only repeat how many members are peripheral)."""
    if graph.vcount() == 0 or max(graph.degree()) < 2:
        return 0.0
    return float(graph.transitivity_avglocal_undirected(mode="nan"))


def _transitivity(graph: igraph.Graph) -> float:
    value = graph.transitivity_undirected(mode="zero") if graph.vcount() else 0.0
    return float(value)


def _degree_centralisation(degrees: list[int]) -> float:
    """Freeman's: Σ (max degree − degree) / ((n − 1)(n − 2)); 1 for a star, 0 when all
    members have as many contacts."""
    n = len(degrees)
    if n < 3:
        return 0.0
    top = max(degrees)
    return sum(top - degree for degree in degrees) / ((n - 1) * (n - 2))


def _betweenness(graph: igraph.Graph, work: int, pivots: int) -> tuple[list[float], dict[str, Any]]:
    """Normalised betweenness (share of the pairs of other members whose shortest paths go
    through each member): exact while members × edges is at most ``work``; beyond, the
    Brandes–Pich estimate from ``pivots`` sources drawn with a fixed seed, scaled by
    n / pivots (unbiased)."""
    n = graph.vcount()
    if n < 3:
        return [0.0] * n, {"method": "exact", "pivots": None}
    pairs = (n - 1) * (n - 2) / 2
    if n * graph.ecount() <= work:
        raw = graph.betweenness(directed=False)
        return [value / pairs for value in raw], {"method": "exact", "pivots": None}
    chooser = random.Random(BETWEENNESS_SEED)  # noqa: S311 - a sample, not a secret
    sources = sorted(chooser.sample(range(n), min(pivots, n)))
    raw = graph.betweenness(directed=False, sources=sources, targets=None)
    scale = n / len(sources) / pairs
    return [value * scale for value in raw], {"method": "sampled", "pivots": len(sources)}


def _brokers(
    betweenness: list[float], active: list[int], named: set[int], count: int
) -> list[dict[str, Any]]:
    """The ``count`` members with the highest betweenness (above 0); those not in ``named``
    become "anonymous member N", N counting anonymous brokers in this list's order."""
    ranked = sorted(
        (i for i, value in enumerate(betweenness) if value > 0),
        key=lambda i: (-betweenness[i], active[i]),
    )[:count]
    result: list[dict[str, Any]] = []
    anonymous = 0
    for i in ranked:
        member: int | None = active[i] if active[i] in named else None
        number = None
        if member is None:
            anonymous += 1
            number = anonymous
        result.append(
            {
                "member": member,
                "label": None if number is None else f"anonymous member {number}",
                "anonymous": number,
                "betweenness": _round(betweenness[i]),
            }
        )
    return result


def _main_core(graph: igraph.Graph) -> tuple[int, int]:
    """The main core: the largest k for which some members each have at least k contacts
    among themselves (k-core), and how many members it holds. No edges: no core."""
    if graph.ecount() == 0:
        return 0, 0
    coreness = graph.coreness()
    k = max(coreness)
    return int(k), sum(1 for value in coreness if value == k)


def _organisation_key(member: int, organisations: dict[int, int]) -> int | str:
    return organisations.get(member, NO_ORGANISATION)


def _sort_key(label: int | str) -> tuple[bool, int]:
    return (isinstance(label, str), label if isinstance(label, int) else 0)


def _organisation_matrix(
    weights: dict[tuple[int, int], float], organisations: dict[int, int]
) -> list[dict[str, Any]]:
    """Interaction weight between each pair of organisations (``"none"``: members without
    one), one cell per unordered pair (``a`` ≤ ``b``; the diagonal is within one
    organisation), only cells with weight, sorted."""
    cells: defaultdict[tuple[int | str, int | str], float] = defaultdict(float)
    for (a, b), weight in weights.items():
        first = _organisation_key(a, organisations)
        second = _organisation_key(b, organisations)
        if _sort_key(second) < _sort_key(first):
            first, second = second, first
        cells[(first, second)] += weight
    ordered = sorted(cells.items(), key=lambda cell: (_sort_key(cell[0][0]), _sort_key(cell[0][1])))
    return [{"a": a, "b": b, "weight": _round(weight)} for (a, b), weight in ordered]


def _cross_share(
    weights: dict[tuple[int, int], float], organisations: dict[int, int]
) -> float | None:
    """Share of the weight between members who both have an organisation that joins two
    different ones; None when no such interaction (members without one are left out: their
    side is unknown)."""
    both = across = 0.0
    for (a, b), weight in weights.items():
        if a in organisations and b in organisations:
            both += weight
            if organisations[a] != organisations[b]:
                across += weight
    return _round(across / both) if both else None
