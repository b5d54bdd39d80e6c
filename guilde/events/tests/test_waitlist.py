"""The waitlist: seats of each kind, first come first served, promotion when a seat frees
up, and no overbooking when members answer at the same instant from separate processes
(issue 14, acceptance 2) — on the file-based SQLite database and on PostgreSQL alike."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

import pytest

from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import ROOT, child_environment
from guilde.events import services
from guilde.events.models import Registration
from guilde.events.tests.factories import EventFactory
from guilde.notifications.models import Kind, Notification


@pytest.mark.django_db
def test_seats_waitlist_and_promotion_first_come_first_served():
    community = CommunityFactory.create()
    event = EventFactory.create(community=community, format="hybrid", capacity_in_person=1)
    first, second, third = (member_of(community) for _ in range(3))
    assert not services.rsvp(actor=first, event=event, response="in_person").waitlisted
    assert services.rsvp(actor=second, event=event, response="in_person").waitlisted
    assert services.rsvp(actor=third, event=event, response="in_person").waitlisted
    # Online seats are counted apart (no limit here).
    assert not services.rsvp(actor=third, event=event, response="online").waitlisted

    services.rsvp(actor=first, event=event, response="not_going")
    seated = Registration.objects.get(event=event, member=second)
    assert seated.has_seat
    [told] = Notification.objects.filter(recipient=second, kind=Kind.EVENT)
    assert told.data["what"] == "promoted"
    assert not Notification.objects.filter(recipient=third, data__what="promoted").exists()


@pytest.mark.django_db
def test_more_seats_promote_the_waitlist():
    community = CommunityFactory.create()
    organiser = member_of(community, role="coordinator")
    event = EventFactory.create(community=community, capacity_in_person=0, created_by=organiser)
    members = [member_of(community) for _ in range(3)]
    for member in members:
        assert services.rsvp(actor=member, event=event, response="in_person").waitlisted
    data = services.EventInput(
        title=event.title,
        start=event.start,
        end=event.end,
        time_zone=event.time_zone,
        venue=event.venue,
        capacity_in_person=2,
    )
    services.event_update(actor=organiser, event=event, data=data)
    seated = Registration.objects.filter(event=event, waitlisted=False).values_list(
        "member_id", flat=True
    )
    assert set(seated) == {members[0].pk, members[1].pk}


def _answer_at_once(event, members, at: float) -> list[dict[str, Any]]:
    env = child_environment()
    child = [sys.executable, "-m", "guilde.events.tests.rsvp_child"]
    processes = [
        subprocess.Popen(
            [*child, str(event.pk), str(member.pk), "in_person", str(at)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for member in members
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()[-2000:]
        results.append(json.loads(out.decode().strip().splitlines()[-1]))
    return results


@pytest.mark.django_db(transaction=True)
def test_simultaneous_answers_for_the_last_seats_never_overbook():
    community = CommunityFactory.create()
    event = EventFactory.create(community=community, capacity_in_person=2)
    members = [member_of(community) for _ in range(8)]
    results = _answer_at_once(event, members, time.time() + 4)
    seated = [r for r in results if not r["waitlisted"]]
    assert len(seated) == 2, results
    assert Registration.objects.filter(event=event, waitlisted=False).count() == 2
    assert Registration.objects.filter(event=event, waitlisted=True).count() == 6
    # First come, first served: the waitlist is in the order the answers were written.
    waiting = list(
        Registration.objects.filter(event=event, waitlisted=True).order_by("waiting_since", "pk")
    )
    assert [r.pk for r in waiting] == sorted(r.pk for r in waiting)


@pytest.mark.django_db
def test_a_deleted_account_gives_its_seat_to_the_first_in_line():
    from guilde.accounts.member_rights import account_delete

    community = CommunityFactory.create()
    event = EventFactory.create(community=community, capacity_in_person=1)
    seated, waiting = member_of(community), member_of(community)
    services.rsvp(actor=seated, event=event, response="in_person")
    services.rsvp(actor=waiting, event=event, response="in_person")
    account_delete(actor=seated, member=seated, keep_contributions=False)
    assert Registration.objects.get(event=event, member=waiting).has_seat
