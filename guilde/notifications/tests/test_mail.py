"""Notification e-mails: grouped per thread, one-click unsubscribe, visibility re-checked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail as outbox
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from guilde.communities import services as community_services
from guilde.communities.models import Membership
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import run_queued_tasks
from guilde.discussions import services as discussions
from guilde.notifications import mail, services
from guilde.notifications.models import Frequency, Kind, Notification

pytestmark = pytest.mark.django_db


def _later(minutes: int = 5):
    return timezone.now() + timedelta(minutes=minutes)


def _deliver(now=None) -> int:
    """Build the due mails, then let the worker hand them to the (test) mailer."""
    sent = mail.send_due_emails(now=now or _later())
    run_queued_tasks()
    return sent


@pytest.fixture
def question():
    community = CommunityFactory.create()
    asker = member_of(community)
    thread = discussions.thread_create(
        actor=asker, community=community, kind="question", title="Proofing dough", body="How?"
    )
    run_queued_tasks()
    return thread


def test_answers_in_one_thread_leave_in_one_mail_after_the_grouping_window(question):
    helpers = [member_of(question.community) for _ in range(3)]
    for number, helper in enumerate(helpers):
        discussions.post_create(actor=helper, thread=question, body=f"Answer number {number}")
    run_queued_tasks()
    outbox.outbox.clear()
    assert mail.send_due_emails(now=timezone.now()) == 0  # still inside the window
    assert _deliver() == 1
    [message] = outbox.outbox
    assert message.to == [question.author.email]
    assert "Proofing dough" in message.subject
    for number in range(3):
        assert f"Answer number {number}" in message.body
    assert isinstance(message, EmailMultiAlternatives)
    content, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Answer number 2" in str(content)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert "/notifications/unsubscribe/" in link
    assert link in message.body
    assert _deliver() == 0  # sent once


def test_mail_is_in_the_members_language(question):
    question.author.language = "fr"
    question.author.save()
    discussions.post_create(actor=member_of(question.community), thread=question, body="Voilà")
    run_queued_tasks()
    outbox.outbox.clear()
    _deliver()
    assert outbox.outbox[0].subject.startswith("[Guilde] Nouveaux messages")
    assert outbox.outbox[0].body.startswith("Bonjour")


def test_a_read_notification_or_a_never_preference_sends_nothing(question):
    helper = member_of(question.community)
    services.frequency_set(member=question.author, kind=Kind.ANSWER, frequency=Frequency.NEVER)
    discussions.post_create(actor=helper, thread=question, body="One")
    run_queued_tasks()
    outbox.outbox.clear()
    assert _deliver() == 0
    services.frequency_set(
        member=question.author, kind=Kind.ANSWER, frequency=Frequency.IMMEDIATELY
    )
    discussions.post_create(actor=helper, thread=question, body="Two")
    run_queued_tasks()
    services.mark_read(member=question.author)
    assert _deliver() == 0


def test_unsubscribe_works_logged_out_and_only_for_the_mails_own_kind(question):
    asker = question.author
    discussions.post_create(actor=member_of(question.community), thread=question, body="Try this")
    run_queued_tasks()
    outbox.outbox.clear()
    _deliver()
    link = outbox.outbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    path = link.split("://", 1)[1].split("/", 1)[1]
    anonymous = Client(enforce_csrf_checks=True)  # a mail client: no session, no CSRF token
    page = anonymous.get(f"/{path}")
    assert page.status_code == 200
    assert services.frequencies(asker)[Kind.ANSWER] == Frequency.IMMEDIATELY
    response = anonymous.post(f"/{path}", {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    chosen = services.frequencies(asker)
    assert chosen[Kind.ANSWER] == Frequency.NEVER
    assert chosen[Kind.MENTION] == Frequency.IMMEDIATELY  # other kinds untouched
    assert chosen[Kind.REPLY] == Frequency.IMMEDIATELY


def test_a_forged_or_altered_unsubscribe_link_is_refused(question):
    token = mail.unsubscribe_token(question.author, Kind.ANSWER)
    client = Client()
    assert (
        client.post(reverse("notifications:unsubscribe", args=[token[:-2] + "xx"])).status_code
        == 404
    )
    assert (
        client.post(reverse("notifications:unsubscribe", args=["not-a-token"])).status_code == 404
    )
    assert services.frequencies(question.author)[Kind.ANSWER] == Frequency.IMMEDIATELY


def test_a_member_who_lost_access_before_the_mail_left_gets_nothing():
    private = CommunityFactory.create(visibility="private", join_policy="approval")
    coordinator = member_of(private, role="coordinator")
    asker = member_of(private)
    thread = discussions.thread_create(
        actor=asker, community=private, kind="question", title="Secret", body="?"
    )
    discussions.post_create(actor=coordinator, thread=thread, body="Private answer")
    run_queued_tasks()
    assert Notification.objects.filter(recipient=asker, kind=Kind.ANSWER).exists()
    community_services.membership_remove(
        actor=coordinator, membership=Membership.objects.get(member=asker, community=private)
    )
    run_queued_tasks()
    outbox.outbox.clear()
    _deliver()
    assert [m for m in outbox.outbox if asker.email in m.to] == []
    assert not Notification.objects.filter(recipient=asker, kind=Kind.ANSWER).exists()


def test_no_mail_to_an_address_that_bounced_repeatedly(question):
    for _ in range(services.HARD_BOUNCES_BEFORE_STOPPING):
        services.delivery_report(email=question.author.email.upper(), kind="hard")
    discussions.post_create(actor=member_of(question.community), thread=question, body="Hello?")
    run_queued_tasks()
    outbox.outbox.clear()
    assert _deliver() == 0
    assert outbox.outbox == []
