"""The interaction network: each metric on a small hand-built community whose values are
worked out by hand here; the edges read from a small database world built through the
apps' services; members who did not consent are never named; a fixed number of queries."""

from __future__ import annotations

import json
import random
from datetime import UTC, timedelta
from typing import Any

import pytest
from django.utils import timezone

from guilde.accounts.models import User
from guilde.analytics.network import CO_ATTENDANCE_CAP, interaction_edges, network_metrics
from guilde.communities.tests.factories import CommunityFactory, MembershipFactory, member_of
from guilde.core.testing import assert_constant_queries
from guilde.discussions import services as discussions
from guilde.discussions.models import Post, Thread
from guilde.events import services as events
from guilde.events.models import Event, Registration
from guilde.events.tests.factories import EventFactory
from guilde.mentoring.models import Application
from guilde.mentoring.tests.factories import ProgrammeFactory, applicant, pair, relationship_for
from guilde.notifications import services as notifications
from guilde.notifications.models import Kind

# Metrics on a hand-built community ---------------------------------------------------------
#
#     1 ─ 2          6
#      \ /          / \        8: a member with no interaction
#       3 ─ 4 ─ 5 ─┘   7       (5 is joined to 6 and 7, and 6 to 7)
#
# Two triangles, {1, 2, 3} and {5, 6, 7}, bridged by 4. Organisations: 1, 2, 3, 7 and 8
# belong to organisation 10, 5 and 6 to organisation 20; 4 has none.

HAND_BUILT = [
    (1, 2, 1.0),
    (2, 1, 1.0),  # the same pair again: weights add up (1–2 weighs 2)
    (1, 3, 1.0),
    (2, 3, 1.0),
    (3, 4, 1.0),
    (4, 5, 1.0),
    (5, 6, 1.0),
    (5, 7, 1.0),
    (6, 7, 1.5),
    (7, 7, 3.0),  # a self-loop is no interaction
]
ORGANISATIONS = {1: 10, 2: 10, 3: 10, 7: 10, 8: 10, 5: 20, 6: 20}


def hand_built(named: set[int] | None = None, **options: int) -> dict[str, Any]:
    return network_metrics(
        HAND_BUILT,
        members=range(1, 9),
        organisations=ORGANISATIONS,
        named={1, 2, 3, 4, 5, 6, 7, 8} if named is None else named,
        **options,
    )


def test_size_density_and_isolated_members():
    result = hand_built()
    # 8 members, 8 distinct pairs (1–2 counted once, 7–7 not at all).
    assert result["nodes"] == 8
    assert result["edges"] == 8
    assert result["weight"] == pytest.approx(2 + 1 + 1 + 1 + 1 + 1 + 1 + 1.5)
    # Density: 8 of the 8 × 7 / 2 = 28 possible pairs.
    assert result["density"] == pytest.approx(8 / 28)
    assert result["isolated"] == 1  # member 8


def test_clustering_and_transitivity():
    result = hand_built()
    # Local clustering (links among a member's contacts / possible links):
    # 1: {2, 3} linked → 1; 2: {1, 3} → 1; 3: {1, 2, 4}, only 1–2 → 1/3; 4: {3, 5} → 0;
    # 5: {4, 6, 7}, only 6–7 → 1/3; 6 → 1; 7 → 1. Member 8 has no contact: left out.
    assert result["average_clustering"] == pytest.approx((1 + 1 + 1 / 3 + 0 + 1 / 3 + 1 + 1) / 7)
    # Transitivity: 3 × 2 triangles / connected triples Σ C(degree, 2)
    # = C(2,2) + C(2,2) + C(3,2) + C(2,2) + C(3,2) + C(2,2) + C(2,2) = 11.
    assert result["transitivity"] == pytest.approx(6 / 11, abs=1e-6)


def test_members_with_one_contact_are_left_out_of_average_clustering():
    # A triangle 1–2–3 and 4 hanging from 3: 1 → 1, 2 → 1, 3: {1, 2, 4}, only 1–2 → 1/3;
    # 4 has one contact, so its clustering is undefined (not 0): (1 + 1 + 1/3) / 3.
    edges = [(1, 2, 1.0), (1, 3, 1.0), (2, 3, 1.0), (3, 4, 1.0)]
    result = network_metrics(edges, members=[1, 2, 3, 4], organisations={}, named=set())
    assert result["average_clustering"] == pytest.approx(7 / 9, abs=1e-6)
    # Transitivity: 3 × 1 triangle / (1 + 1 + 3 + 0) triples.
    assert result["transitivity"] == pytest.approx(3 / 5, abs=1e-6)


def test_degree_centralisation():
    # Among the 7 members who interacted: degrees 2, 2, 3, 2, 3, 2, 2; Freeman's
    # Σ(3 − d) / ((7 − 1)(7 − 2)) = (1 + 1 + 0 + 1 + 0 + 1 + 1) / 30.
    assert hand_built()["degree_centralisation"] == pytest.approx(5 / 30, abs=1e-6)


def test_the_bridge_is_the_first_broker():
    brokers = hand_built()["brokers"]
    # Among 7 members there are 6 × 5 / 2 = 15 pairs of others for each. Every path
    # between {1, 2, 3} and {5, 6, 7} crosses 4: 3 × 3 = 9 pairs. 3 lies between {1, 2}
    # and {4, 5, 6, 7}: 2 × 4 = 8 pairs; 5 likewise. The others lie on no shortest path.
    assert [(b["member"], b["betweenness"]) for b in brokers] == [
        (4, pytest.approx(9 / 15, abs=1e-6)),
        (3, pytest.approx(8 / 15, abs=1e-6)),
        (5, pytest.approx(8 / 15, abs=1e-6)),
    ]
    assert hand_built()["betweenness"] == {"method": "exact", "pivots": None}
    assert [b["member"] for b in hand_built(brokers=1)["brokers"]] == [4]


def test_core_and_components():
    result = hand_built()
    # Every member who interacted has 2 contacts or more, so all 7 are in the 2-core; only
    # 3 and 5 have 3 contacts, and each has only 2 left among the two of them: no 3-core.
    assert result["core"] == {"k": 2, "size": 7, "share": pytest.approx(7 / 8, abs=1e-6)}
    # One component among those who interacted, holding 7 of the 8 members.
    assert result["components"] == 1
    assert result["largest_component_share"] == pytest.approx(7 / 8, abs=1e-6)


def test_organisation_matrix_and_share_across_organisations():
    result = hand_built()
    # 10–10: 1–2 (2) + 1–3 + 2–3 = 4; 10–20: 5–7 + 6–7 = 2.5; 10–none: 3–4 = 1;
    # 20–20: 5–6 = 1; 20–none: 4–5 = 1.
    assert result["organisations"] == [
        {"a": 10, "b": 10, "weight": 4.0},
        {"a": 10, "b": 20, "weight": 2.5},
        {"a": 10, "b": "none", "weight": 1.0},
        {"a": 20, "b": 20, "weight": 1.0},
        {"a": 20, "b": "none", "weight": 1.0},
    ]
    # Between members who both have one: 7.5 in all, 2.5 of it across organisations.
    assert result["cross_organisation_share"] == pytest.approx(2.5 / 7.5, abs=1e-6)


def test_no_interaction_at_all():
    result = network_metrics([], members=[1, 2, 3], organisations={}, named=set())
    assert result["isolated"] == 3
    assert result["edges"] == result["components"] == 0
    assert result["density"] == result["average_clustering"] == result["transitivity"] == 0
    assert result["core"] == {"k": 0, "size": 0, "share": 0}
    assert result["brokers"] == []
    assert result["organisations"] == []
    assert result["cross_organisation_share"] is None


def test_result_is_json_and_deterministic():
    first = hand_built()
    assert json.loads(json.dumps(first)) == first
    assert hand_built() == first


def test_sampled_betweenness_is_seeded_and_exact_with_every_pivot():
    sampled = hand_built(exact_betweenness_work=2, pivots=3)
    assert sampled["betweenness"] == {"method": "sampled", "pivots": 3}
    assert hand_built(exact_betweenness_work=2, pivots=3) == sampled
    # With every member as a pivot the estimate is the exact value.
    everyone = hand_built(exact_betweenness_work=2, pivots=100)
    assert everyone["betweenness"] == {"method": "sampled", "pivots": 7}
    assert everyone["brokers"] == hand_built()["brokers"]


# Anonymity -----------------------------------------------------------------------------------


def test_members_who_did_not_consent_are_never_named():
    result = hand_built(named={3})
    assert result["brokers"] == [
        {
            "member": None,
            "label": "anonymous member 1",
            "anonymous": 1,
            "betweenness": pytest.approx(9 / 15, abs=1e-6),
        },
        {"member": 3, "label": None, "anonymous": None, "betweenness": pytest.approx(8 / 15)},
        {
            "member": None,
            "label": "anonymous member 2",
            "anonymous": 2,
            "betweenness": pytest.approx(8 / 15, abs=1e-6),
        },
    ]


@pytest.mark.parametrize("work", [10**9, 5])
def test_no_id_of_a_member_who_did_not_consent_leaves(work):
    chooser = random.Random(3)  # noqa: S311 - test data, not secrets
    members = [9_000_000 + 7 * i for i in range(60)]
    edges = [(chooser.choice(members), chooser.choice(members), 1.0) for _ in range(200)]
    named = set(chooser.sample(members, 10))
    result = network_metrics(
        edges,
        members=members,
        organisations={m: 1 + m % 3 for m in members},
        named=named,
        brokers=60,
        exact_betweenness_work=work,
        pivots=20,
    )
    assert len(result["brokers"]) > 20
    assert {b["member"] for b in result["brokers"]} <= named | {None}
    text = json.dumps(result)
    assert not [m for m in members if m not in named and str(m) in text]


# Edges from the database ----------------------------------------------------------------------


@pytest.fixture
def window():
    now = timezone.now()
    return now - timedelta(days=3), now + timedelta(hours=1)


def reply(thread: Thread, author: User, reply_to: Post | None = None) -> Post:
    return discussions.post_create(actor=author, thread=thread, body="Agreed.", reply_to=reply_to)


def attend(event: Event, host: User, member: User, attendance: str, occurrence=None) -> None:
    events.attendance_mark(
        actor=host, event=event, member=member, attendance=attendance, occurrence=occurrence
    )


@pytest.mark.django_db
def test_interactions_of_a_small_community(window):
    start, end = window
    community = CommunityFactory.create()
    coordinator = member_of(community, role="coordinator")
    alice, bob, carol, dave, erin, frank = (member_of(community) for _ in range(6))

    thread = discussions.thread_create(
        actor=alice, community=community, kind="discussion", title="Tools", body="Which ones?"
    )
    first = reply(thread, bob)  # to the thread: bob – alice
    reply(thread, bob)  # again: the weight adds up to 2
    answer = reply(thread, carol, reply_to=first)  # to bob's post: carol – bob
    reply(thread, alice)  # in her own thread: no self-loop
    hidden = reply(thread, dave)
    discussions.post_hide(actor=coordinator, post=hidden)  # hidden: counts for nothing
    old = reply(thread, frank)
    Post.objects.filter(pk=old.pk).update(created_at=start - timedelta(days=1))  # before
    elsewhere = CommunityFactory.create()
    for member in (alice, bob):
        MembershipFactory.create(community=elsewhere, member=member)
    other = discussions.thread_create(
        actor=alice, community=elsewhere, kind="discussion", title="Elsewhere", body="Hello"
    )
    reply(other, bob)  # another community: not this one's network

    # carol's answer mentions erin: carol – erin.
    notifications.notify(recipient=erin, kind=Kind.MENTION, actor=carol, post=answer)

    programme = ProgrammeFactory.create(community=community)
    relationship_for(
        pair(
            programme,
            mentee=applicant(programme, member=frank),
            mentor=applicant(programme, Application.Role.MENTOR, member=alice),
        )
    )

    began = (timezone.now() - timedelta(hours=3)).replace(second=0, microsecond=0)
    meetup = EventFactory.create(community=community, start=began, end=began + timedelta(hours=2))
    attend(meetup, coordinator, dave, Registration.Attendance.IN_PERSON)
    attend(meetup, coordinator, erin, Registration.Attendance.ONLINE)
    attend(meetup, coordinator, frank, Registration.Attendance.ABSENT)  # did not come

    expected = {
        pair_of(alice, bob): 2.0,
        pair_of(bob, carol): 1.0,
        pair_of(carol, erin): 1.0,
        pair_of(alice, frank): 1.0,  # mentoring
        pair_of(dave, erin): 1.0,  # the meetup
    }
    assert interaction_edges([community.pk], start, end) == sorted(
        (a, b, w) for (a, b), w in expected.items()
    )
    # The whole instance sees the other community's reply too.
    both = {(a, b): w for a, b, w in interaction_edges([community.pk, elsewhere.pk], start, end)}
    assert both[pair_of(alice, bob)] == 3.0
    # The day before the window: frank's old reply alone (the mentoring started today).
    assert interaction_edges([community.pk], start - timedelta(days=2), start) == [
        (*pair_of(alice, frank), 1.0)
    ]


def pair_of(a: User, b: User) -> tuple[int, int]:
    return (a.pk, b.pk) if a.pk < b.pk else (b.pk, a.pk)


@pytest.mark.django_db
def test_co_attendance_follows_moved_and_cancelled_occurrences(window):
    start, end = window
    community = CommunityFactory.create()
    host = member_of(community, role="coordinator")
    people = [member_of(community) for _ in range(4)]
    first = (timezone.now() - timedelta(days=15)).replace(minute=0, second=0, microsecond=0)
    series = EventFactory.create(
        community=community,
        start=first,
        end=first + timedelta(hours=1),
        time_zone="UTC",
        repeat=Event.Repeat.WEEKLY,
        repeat_count=4,
    )
    moved_key = (first + timedelta(days=7)).astimezone(UTC)  # 8 days ago: before the window
    cancelled_key = (first + timedelta(days=14)).astimezone(UTC)  # yesterday: in the window
    for member in people[:2]:
        attend(series, host, member, Registration.Attendance.IN_PERSON, occurrence=moved_key)
    for member in people[2:]:
        attend(series, host, member, Registration.Attendance.IN_PERSON, occurrence=cancelled_key)
    assert interaction_edges([community.pk], start, end) == [(*pair_of(people[2], people[3]), 1.0)]
    moved_to = (timezone.now() - timedelta(days=2)).replace(second=0, microsecond=0)
    events.occurrence_move(
        actor=host, event=series, key=moved_key, start=moved_to, end=moved_to + timedelta(hours=1)
    )
    events.occurrence_cancel(actor=host, event=series, key=cancelled_key, reason="Snow")
    assert interaction_edges([community.pk], start, end) == [(*pair_of(people[0], people[1]), 1.0)]


@pytest.mark.django_db
def test_co_attendance_shares_one_interaction_and_is_capped(window):
    start, end = window
    community = CommunityFactory.create()
    host = member_of(community, role="coordinator")
    began = (timezone.now() - timedelta(hours=5)).replace(second=0, microsecond=0)
    small = EventFactory.create(community=community, start=began, end=began + timedelta(hours=1))
    trio = [member_of(community) for _ in range(3)]
    for member in trio:
        attend(small, host, member, Registration.Attendance.ONLINE)
    edges = interaction_edges([community.pk], start, end)
    assert [w for _a, _b, w in edges] == [0.5, 0.5, 0.5]  # each attendee: 1 shared by 2

    crowd = EventFactory.create(community=community, start=began, end=began + timedelta(hours=1))
    people = User.objects.bulk_create(
        [User(username=f"crowd-{i}", email=f"crowd-{i}@example.org") for i in range(60)]
    )
    Registration.objects.bulk_create(
        [Registration(event=crowd, member=m, response="in_person") for m in people]
    )  # seats, attendance not marked: they count as there
    edges = interaction_edges([community.pk], start, end)
    in_crowd = [e for e in edges if e[0] in {p.pk for p in people}]
    assert len(in_crowd) == CO_ATTENDANCE_CAP * (CO_ATTENDANCE_CAP - 1) // 2
    assert {w for _a, _b, w in in_crowd} == {round(1 / (CO_ATTENDANCE_CAP - 1), 6)}


@pytest.mark.django_db
def test_edges_cost_the_same_queries_for_1_and_20_threads(window):
    start, end = window
    community = CommunityFactory.create()
    host = member_of(community, role="coordinator")
    programme = ProgrammeFactory.create(community=community)
    made: list[int] = []

    def setup(count: int) -> None:
        while len(made) < count:
            author, replier = member_of(community), member_of(community)
            thread = discussions.thread_create(
                actor=author, community=community, kind="question", title="Why?", body="Hm."
            )
            post = reply(thread, replier)
            notifications.notify(recipient=author, kind=Kind.MENTION, actor=replier, post=post)
            relationship_for(
                pair(
                    programme,
                    mentee=applicant(programme, member=author),
                    mentor=applicant(programme, Application.Role.MENTOR, member=replier),
                )
            )
            began = (timezone.now() - timedelta(hours=2)).replace(second=0, microsecond=0)
            event = EventFactory.create(
                community=community, start=began, end=began + timedelta(hours=1)
            )
            attend(event, host, author, Registration.Attendance.IN_PERSON)
            attend(event, host, replier, Registration.Attendance.IN_PERSON)
            made.append(thread.pk)

    count = assert_constant_queries(
        setup=setup, action=lambda: interaction_edges([community.pk], start, end)
    )
    assert count == 5
    assert len(interaction_edges([community.pk], start, end)) == 20
