"""Digests: what is unseen in the member's communities, only what they may see now, sent at
7 in the morning of their own time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.core import mail as outbox
from django.test import Client

from guilde.accounts.tests.factories import MemberFactory
from guilde.communities import services as community_services
from guilde.communities.models import Membership
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import run_queued_tasks
from guilde.discussions import services as discussions
from guilde.notifications import mail, services
from guilde.notifications.models import Frequency, Kind, NotificationSettings

pytestmark = pytest.mark.django_db

# Monday 30 November 2026: Paris is on UTC+1, Montreal on UTC-5.
PARIS_MORNING = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
MONTREAL_MORNING = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _daily(member, **fields):
    NotificationSettings.objects.update_or_create(
        member=member, defaults={"digest": Frequency.DAILY, **fields}
    )
    return member


def _digest_titles(member, now) -> list[str]:
    digest = mail.build_digest(member, period=Frequency.DAILY, now=now)
    return [t.title for t in digest.threads] + [i.title for i in digest.items]


def test_a_private_communitys_activity_reaches_its_members_digest_only():
    with time_machine.travel(datetime(2026, 11, 29, 15, 0, tzinfo=UTC), tick=False):
        private = CommunityFactory.create(visibility="private", join_policy="approval")
        coordinator = member_of(private, role="coordinator")
        member, leaver = _daily(member_of(private)), _daily(member_of(private))
        outsider = _daily(member_of(CommunityFactory.create()))
        for someone in (member, leaver, outsider):
            services.frequency_set(
                member=someone, kind=Kind.WATCHED_THREAD, frequency=Frequency.DAILY
            )
        for someone in (member, leaver):
            services.subscription_set(member=someone, target=private, level="watch")
        thread = discussions.thread_create(
            actor=coordinator,
            community=private,
            kind="discussion",
            title="Members-only recipe",
            body="Our secret",
        )
        discussions.post_create(actor=coordinator, thread=thread, body="And a follow-up")
        run_queued_tasks()
    with time_machine.travel(datetime(2026, 11, 30, 5, 0, tzinfo=UTC), tick=False):
        community_services.membership_remove(
            actor=coordinator, membership=Membership.objects.get(member=leaver, community=private)
        )
        run_queued_tasks()
    now = PARIS_MORNING
    assert _digest_titles(member, now) == [
        "Members-only recipe",
        "Members-only recipe",
    ]  # the thread, and the notification
    assert _digest_titles(outsider, now) == []
    assert _digest_titles(leaver, now) == []
    for someone in (member, leaver, outsider):
        someone.time_zone = "Europe/Paris"
        someone.save()
    outbox.outbox.clear()
    with time_machine.travel(now, tick=False):
        mail.send_digests()
        run_queued_tasks()
    assert [m.to for m in outbox.outbox] == [[member.email]]
    assert "Members-only recipe" in outbox.outbox[0].body


def test_each_member_gets_their_digest_at_their_own_local_morning():
    with time_machine.travel(datetime(2026, 11, 29, 15, 0, tzinfo=UTC), tick=False):
        community = CommunityFactory.create()
        author = member_of(community)
        parisian = _daily(member_of(community, time_zone="Europe/Paris"))
        montrealer = _daily(member_of(community, time_zone="America/Montreal", language="fr"))
        discussions.thread_create(
            actor=author,
            community=community,
            kind="discussion",
            title="Sourdough starters",
            body="Mine",
        )
        run_queued_tasks()
    outbox.outbox.clear()

    def digests_at(moment: datetime) -> list[str]:
        outbox.outbox.clear()
        with time_machine.travel(moment, tick=False):
            from guilde.notifications.tasks import send_digests

            send_digests.call()
            run_queued_tasks()
        return sorted(address for message in outbox.outbox for address in message.to)

    assert (
        digests_at(datetime(2026, 11, 30, 5, 0, tzinfo=UTC)) == []
    )  # 06:00 in Paris, 00:00 in Montreal
    assert digests_at(PARIS_MORNING) == [parisian.email]
    assert digests_at(datetime(2026, 11, 30, 6, 15, tzinfo=UTC)) == []  # once a day
    assert digests_at(datetime(2026, 11, 30, 11, 45, tzinfo=UTC)) == []
    assert digests_at(MONTREAL_MORNING) == [montrealer.email]
    assert outbox.outbox[0].subject == "[Guilde] Votre résumé du jour"
    assert "Sourdough starters" in outbox.outbox[0].body
    assert outbox.outbox[0].extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_weekly_digests_leave_on_monday_and_empty_digests_never_leave():
    with time_machine.travel(datetime(2026, 11, 25, 15, 0, tzinfo=UTC), tick=False):
        community = CommunityFactory.create()
        author = member_of(community)
        weekly = member_of(community, time_zone="Europe/Paris")  # the default: weekly
        idle = _daily(MemberFactory.create())
        idle.time_zone = "Europe/Paris"
        idle.save()
        discussions.thread_create(
            actor=author, community=community, kind="discussion", title="Rye", body="Dense"
        )
        run_queued_tasks()
    outbox.outbox.clear()
    with time_machine.travel(datetime(2026, 11, 29, 6, 0, tzinfo=UTC), tick=False):  # a Sunday
        mail.send_digests()
        run_queued_tasks()
    assert outbox.outbox == []
    with time_machine.travel(PARIS_MORNING, tick=False):
        mail.send_digests()
        run_queued_tasks()
    assert [m.to for m in outbox.outbox] == [[weekly.email]]
    assert "Rye" in outbox.outbox[0].body


def test_the_digest_unsubscribe_link_stops_digests_only():
    community = CommunityFactory.create()
    member = _daily(member_of(community))
    services.frequency_set(member=member, kind=Kind.WATCHED_POST, frequency=Frequency.WEEKLY)
    token = mail.unsubscribe_token(member, "digest")
    assert Client().post(f"/notifications/unsubscribe/{token}/").status_code == 200
    assert NotificationSettings.objects.get(member=member).digest == Frequency.NEVER
    chosen = services.frequencies(member)
    assert chosen[Kind.WATCHED_POST] == Frequency.NEVER
    assert chosen[Kind.MENTION] == Frequency.IMMEDIATELY
