"""Delivery by the worker to a real receiver: retries with exponential backoff, turning off
after failed deliveries (and telling the owner), the owner's rights checked at each delivery,
private communities, content hidden in between, tests, and what an event costs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from guilde.accounts.tests.factories import MemberFactory
from guilde.communities import services as communities
from guilde.communities.models import Community, Membership
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import count_queries, run_queued_tasks
from guilde.discussions import services as discussions
from guilde.notifications.models import Notification
from guilde.notifications.selectors import target_url
from guilde.webhooks import handlers, services
from guilde.webhooks.models import Delivery, DeliveryAttempt, Webhook
from guilde.webhooks.tests.factories import run_retries_now, webhook_for

pytestmark = pytest.mark.django_db


def _thread(community, author, title="A question"):
    return discussions.thread_create(
        actor=author, community=community, kind="question", title=title, body="Body."
    )


@pytest.fixture
def community() -> Community:
    return CommunityFactory.create(slug="makers", name="Makers")


@pytest.fixture
def coordinator(community):
    return member_of(community, role="coordinator", username="coco")


def test_a_failing_receiver_is_retried_with_growing_waits(
    settings, receiver, community, coordinator
):
    settings.GUILDE_WEBHOOKS_ATTEMPTS = 5
    settings.GUILDE_WEBHOOKS_BACKOFF_SECONDS = 60
    receiver.answer(500, 500, 500, 200)
    webhook, _secret = webhook_for(community, coordinator, receiver.url)
    _thread(community, coordinator)
    run_queued_tasks()
    for _round in range(3):
        run_retries_now()

    delivery = Delivery.objects.get(webhook=webhook)
    assert delivery.status == Delivery.Status.SUCCEEDED
    assert delivery.attempts == 4
    attempts = list(DeliveryAttempt.objects.filter(delivery=delivery).order_by("number"))
    assert [a.status_code for a in attempts] == [500, 500, 500, 200]
    assert attempts[0].error == "HTTP 500 Internal Server Error: receiver says no"
    waits = [
        (a.next_attempt_at - a.started_at).total_seconds()
        for a in attempts[:3]
        if a.next_attempt_at is not None
    ]
    # 60 s, 120 s, 240 s, each with up to 10 % jitter (and the attempt's own duration).
    for wait, base in zip(waits, (60, 120, 240), strict=True):
        assert base <= wait <= base * 1.1 + 5, waits
    assert waits[0] < waits[1] < waits[2]
    assert attempts[3].next_attempt_at is None
    # The same delivery id on every attempt, for the receiver to drop repeats.
    assert len({r.headers["guilde-delivery"] for r in receiver.requests}) == 1
    assert len(receiver.requests) == 4
    webhook.refresh_from_db()
    assert webhook.enabled
    assert webhook.consecutive_failures == 0


def test_each_retry_is_queued_for_its_time(settings, receiver, community, coordinator):
    settings.GUILDE_WEBHOOKS_BACKOFF_SECONDS = 60
    receiver.answer(503)
    webhook, _secret = webhook_for(community, coordinator, receiver.url)
    _thread(community, coordinator)
    run_queued_tasks()
    delivery = Delivery.objects.get(webhook=webhook)
    assert delivery.status == Delivery.Status.PENDING
    queued = DBTaskResult.objects.filter(
        status="READY", task_path="guilde.webhooks.tasks.deliver"
    ).get()
    assert queued.run_after == delivery.next_attempt_at
    assert queued.run_after > timezone.now() + timedelta(seconds=55)
    assert run_queued_tasks() == 0  # not before its time
    assert len(receiver.requests) == 1


def test_deliveries_failing_in_a_row_turn_the_webhook_off_and_tell_its_owner(
    settings, receiver, community, coordinator
):
    settings.GUILDE_WEBHOOKS_ATTEMPTS = 2
    settings.GUILDE_WEBHOOKS_DISABLE_AFTER = 2
    receiver.answer(500)
    webhook, _secret = webhook_for(community, coordinator, receiver.url, name="Chat room")
    _thread(community, coordinator, "First")
    run_queued_tasks()
    run_retries_now()
    webhook.refresh_from_db()
    assert webhook.enabled
    assert webhook.consecutive_failures == 1
    assert not Notification.objects.filter(kind="webhook").exists()

    _thread(community, coordinator, "Second")
    run_queued_tasks()
    run_retries_now()
    webhook = Webhook.objects.get(pk=webhook.pk)
    assert not webhook.enabled
    assert webhook.disabled_reason == Webhook.Disabled.FAILURES
    assert webhook.consecutive_failures == 2
    assert len(receiver.requests) == 4
    notice = Notification.objects.get(kind="webhook")
    assert notice.recipient == coordinator
    assert notice.data["label"] == "Chat room"
    assert target_url(notice) == f"/communities/makers/webhooks/{webhook.pk}/"

    _thread(community, coordinator, "Third")  # nothing more leaves
    run_queued_tasks()
    assert len(receiver.requests) == 4
    assert Delivery.objects.filter(webhook=webhook).count() == 2

    # Another coordinator turns it on again: they own it now, the count starts over.
    other = member_of(community, role="coordinator")
    services.webhook_set_enabled(actor=other, webhook=webhook, enabled=True)
    webhook = Webhook.objects.get(pk=webhook.pk)
    assert webhook.enabled
    assert webhook.owner == other
    assert webhook.consecutive_failures == 0


def test_a_success_resets_the_count_of_failures(settings, receiver, community, coordinator):
    settings.GUILDE_WEBHOOKS_ATTEMPTS = 1
    settings.GUILDE_WEBHOOKS_DISABLE_AFTER = 2
    receiver.answer(500, 200, 500)
    webhook, _secret = webhook_for(community, coordinator, receiver.url)
    for title in ("One", "Two", "Three"):
        _thread(community, coordinator, title)
        run_queued_tasks()
    webhook.refresh_from_db()
    assert webhook.enabled
    assert webhook.consecutive_failures == 1
    assert list(Delivery.objects.order_by("id").values_list("status", flat=True)) == [
        "failed",
        "succeeded",
        "failed",
    ]


def test_a_demoted_coordinators_webhook_sends_nothing_and_turns_off(
    receiver, community, coordinator
):
    community.visibility = Community.Visibility.PRIVATE
    community.save(update_fields=["visibility"])
    webhook, _secret = webhook_for(community, coordinator, receiver.url)
    other = member_of(community, role="coordinator")
    communities.membership_set_role(
        actor=other,
        membership=Membership.objects.get(community=community, member=coordinator),
        role=Membership.Role.MEMBER,
    )
    _thread(community, other, "private question text")
    run_queued_tasks()

    assert receiver.requests == []
    delivery = Delivery.objects.get(webhook=webhook)
    assert delivery.status == Delivery.Status.SKIPPED
    assert delivery.reason == Delivery.Reason.OWNER_LOST_ACCESS
    assert delivery.attempts == 0
    webhook.refresh_from_db()
    assert not webhook.enabled
    assert webhook.disabled_reason == Webhook.Disabled.OWNER


def test_a_coordinator_removed_from_the_community_sends_nothing(receiver, community, coordinator):
    webhook, _secret = webhook_for(community, coordinator, receiver.url)
    other = member_of(community, role="coordinator")
    _thread(community, other, "Before")  # queued while they were coordinator...
    communities.membership_remove(
        actor=other, membership=Membership.objects.get(community=community, member=coordinator)
    )
    run_queued_tasks()  # ...sent after they left: checked at delivery time
    assert receiver.requests == []
    assert Delivery.objects.get(webhook=webhook).reason == Delivery.Reason.OWNER_LOST_ACCESS


def test_instance_webhooks_carry_private_communities_only_when_asked_and_allowed(receiver):
    admin = MemberFactory.create(is_staff=True)
    public = CommunityFactory.create(slug="open")
    private = CommunityFactory.create(slug="closed", visibility=Community.Visibility.PRIVATE)
    author = member_of(public)
    Membership.objects.create(community=private, member=author, joined_at=timezone.now())
    public_only, _ = webhook_for(None, admin, receiver.url, name="public only")
    everything, _ = webhook_for(None, admin, receiver.url, name="all", include_private=True)

    _thread(public, author, "public question")
    _thread(private, author, "private question text")
    run_queued_tasks()
    sent = sorted(
        (r.json()["community"]["slug"], r.json()["data"]["thread"]["title"])
        for r in receiver.requests
    )
    assert sent == [
        ("closed", "private question text"),
        ("open", "public question"),
        ("open", "public question"),
    ]
    assert Delivery.objects.filter(webhook=public_only).count() == 1  # the private one: never

    # The owner is no longer an administrator: nothing leaves, the webhooks turn off.
    admin.is_staff = False
    admin.save(update_fields=["is_staff"])
    receiver.requests.clear()
    _thread(private, author, "another private question")
    _thread(public, author, "another public question")
    run_queued_tasks()
    assert receiver.requests == []
    everything.refresh_from_db()
    assert everything.disabled_reason == Webhook.Disabled.OWNER


def test_content_hidden_before_it_leaves_is_not_sent(receiver, community, coordinator):
    """The owner, a coordinator, could still see the hidden thread: it is not sent anyway."""
    webhook, _secret = webhook_for(community, coordinator, receiver.url)
    thread = _thread(community, member_of(community), "flagged question text")
    discussions.post_hide(actor=coordinator, post=thread.posts.get(position=1))
    run_queued_tasks()
    assert receiver.requests == []
    delivery = Delivery.objects.get(webhook=webhook)
    assert (delivery.status, delivery.reason) == ("skipped", Delivery.Reason.HIDDEN)
    webhook.refresh_from_db()
    assert webhook.enabled  # nothing wrong with the webhook


def test_an_answer_no_longer_accepted_is_not_announced(receiver, community, coordinator):
    asker = member_of(community)
    thread = _thread(community, asker)
    answer = discussions.post_create(actor=coordinator, thread=thread, body="Yes.")
    run_queued_tasks()
    webhook, _secret = webhook_for(community, coordinator, receiver.url)
    discussions.answer_accept(actor=asker, thread=thread, post=answer)
    discussions.answer_accept(actor=asker, thread=thread, post=None)
    run_queued_tasks()
    assert receiver.requests == []
    assert not Delivery.objects.filter(webhook=webhook).exists()  # gone before the fan-out


def test_turned_off_by_hand_queued_deliveries_are_not_sent(receiver, community, coordinator):
    webhook, _secret = webhook_for(community, coordinator, receiver.url)
    thread = _thread(community, coordinator)
    DBTaskResult.objects.all().delete()  # the event's handlers are run by hand below
    handlers.on_thread_created(thread_id=thread.pk)  # the delivery is queued...
    services.webhook_set_enabled(actor=coordinator, webhook=webhook, enabled=False)
    run_queued_tasks()  # ...and finds the webhook off
    assert receiver.requests == []
    delivery = Delivery.objects.get(webhook=webhook)
    assert (delivery.status, delivery.reason) == ("skipped", Delivery.Reason.DISABLED)


def test_a_test_delivery_goes_once_even_when_off_and_counts_for_nothing(
    settings, receiver, community, coordinator
):
    settings.GUILDE_WEBHOOKS_DISABLE_AFTER = 1
    receiver.answer(500)
    webhook, _secret = webhook_for(community, coordinator, receiver.url, name="Room")
    services.webhook_set_enabled(actor=coordinator, webhook=webhook, enabled=False)
    delivery = services.webhook_test(actor=coordinator, webhook=webhook)
    with pytest.raises(Exception, match="already on its way"):
        services.webhook_test(actor=coordinator, webhook=webhook)
    run_queued_tasks()
    run_retries_now()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert len(receiver.requests) == 1
    body = receiver.requests[0].json()
    assert body["event"] == "webhook.test"
    assert body["data"] == {"webhook": {"id": webhook.pk, "name": "Room"}}
    webhook.refresh_from_db()
    assert webhook.consecutive_failures == 0
    assert webhook.disabled_reason == Webhook.Disabled.MANUAL


def test_an_event_is_delivered_once_however_often_its_handler_runs(
    receiver, community, coordinator
):
    webhook, _secret = webhook_for(community, coordinator, receiver.url)
    thread = _thread(community, coordinator)
    run_queued_tasks()
    handlers.on_thread_created(thread_id=thread.pk)  # the event's handlers ran again
    run_queued_tasks()
    assert Delivery.objects.filter(webhook=webhook).count() == 1
    assert len(receiver.requests) == 1


def test_without_webhooks_an_event_costs_one_query(community, coordinator):
    thread = _thread(community, coordinator)
    queries, _sql = count_queries(lambda: handlers.on_thread_created(thread_id=thread.pk))
    assert queries == 1


def test_the_log_is_pruned(settings, receiver, community, coordinator):
    settings.GUILDE_WEBHOOKS_LOG_DAYS = 30
    webhook, _secret = webhook_for(community, coordinator, receiver.url)
    _thread(community, coordinator)
    run_queued_tasks()
    assert services.prune_log(timezone.now() + timedelta(days=29)) == 0
    assert services.prune_log(timezone.now() + timedelta(days=31)) == 1
    assert not Delivery.objects.filter(webhook=webhook).exists()
    assert not DeliveryAttempt.objects.exists()


def test_a_deleted_owner_leaves_the_webhook_off_and_ownerless(receiver, community, coordinator):
    from guilde.accounts import member_rights

    webhook, _secret = webhook_for(community, coordinator, receiver.url)
    member_rights.account_delete(actor=coordinator, member=coordinator, keep_contributions=True)
    webhook.refresh_from_db()
    assert webhook.owner is None
    assert (webhook.enabled, webhook.disabled_reason) == (False, Webhook.Disabled.OWNER)
