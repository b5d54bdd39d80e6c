"""Writes of the webhooks app: webhooks and their secrets, the fan-out of an event into
deliveries, and each delivery attempt (run by the worker).

Delivery, step by step (docs/webhooks.md):

1. A domain event (``guilde.core.events``) reaches :func:`emit` in the worker: one query
   finds the webhooks that want it; one ``Delivery`` per webhook is written, once however
   often the event's handler runs, and a ``deliver`` task is enqueued in the same
   transaction.
2. :func:`deliver` checks the webhook is on and its owner may still manage it (else the
   webhook is turned off and nothing is sent), builds the payload as the owner sees it now
   (else nothing is sent, with the reason), signs it and posts it, outside any transaction.
3. The attempt is logged. A failure schedules the next attempt after an exponential
   backoff (``GUILDE_WEBHOOKS_BACKOFF_SECONDS`` × 2^(n-1), with jitter) until
   ``GUILDE_WEBHOOKS_ATTEMPTS``; a delivery that failed every attempt counts one failure,
   and ``GUILDE_WEBHOOKS_DISABLE_AFTER`` of them in a row turn the webhook off and tell its
   owner.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guilde.accounts.models import User
from guilde.communities.models import Community
from guilde.communities.selectors import with_viewer_membership
from guilde.core.permissions import require
from guilde.core.retries import backoff_delay
from guilde.notifications.models import Kind
from guilde.notifications.services import notify
from guilde.webhooks import payloads, sending, signing
from guilde.webhooks.models import (
    REMOVALS,
    TEST_EVENT,
    Delivery,
    DeliveryAttempt,
    EventKind,
    Webhook,
)
from guilde.webhooks.permissions import may_manage_instance_webhooks, owner_may_send
from guilde.webhooks.targets import validate_url

# How long the secret replaced by a rotation still signs, beside the new one.
PREVIOUS_SECRET_GRACE = timedelta(hours=24)
MAX_NAME = 100


# Webhooks ------------------------------------------------------------------------------------


def _clean(*, name: str, url: str, format: str, events: Iterable[str]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    name = " ".join(name.split())[:MAX_NAME]
    if not name or any(ord(c) < 32 for c in name):
        errors["name"] = [_("Give the webhook a name.")]
    try:
        url = validate_url(url)
    except ValidationError as error:
        errors["url"] = error.messages
    if format not in Webhook.Format.values:
        errors["format"] = [_("Choose a format.")]
    chosen = set(events)
    if not chosen or not chosen <= set(EventKind.values):
        errors["events"] = [_("Choose at least one event, among those listed.")]
    elif format == Webhook.Format.CHAT and chosen & REMOVALS:
        errors["events"] = [_("Removals are sent to Guilde JSON webhooks only, not to chats.")]
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "url": url,
        "format": format,
        "events": [kind for kind in EventKind.values if kind in chosen],
    }


def _require_manager(actor: User, community: Community | None) -> None:
    if community is None:
        if not may_manage_instance_webhooks(actor):
            raise PermissionDenied(_("Only administrators manage the instance's webhooks."))
        return
    with_viewer_membership([community], actor)
    require(actor, "manage_webhooks", community)


def _require_view(actor: User, webhook: Webhook) -> None:
    if webhook.community is not None:
        with_viewer_membership([webhook.community], actor)
    require(actor, "view", webhook)


@transaction.atomic
def webhook_create(
    *,
    actor: User,
    community: Community | None,
    name: str,
    url: str,
    format: str,
    events: Iterable[str],
    include_private: bool = False,
) -> tuple[Webhook, str]:
    """A new webhook owned by ``actor``, and its secret (shown to them once)."""
    _require_manager(actor, community)
    fields = _clean(name=name, url=url, format=format, events=events)
    secret = signing.new_secret()
    webhook = Webhook.objects.create(
        community=community,
        owner=actor,
        secret=secret,
        include_private=include_private and community is None,
        **fields,
    )
    return webhook, secret


@transaction.atomic
def webhook_update(
    *,
    actor: User,
    webhook: Webhook,
    name: str,
    url: str,
    format: str,
    events: Iterable[str],
    include_private: bool = False,
) -> Webhook:
    """Change what a webhook sends and where (its owner stays who they were)."""
    _require_view(actor, webhook)
    fields = _clean(name=name, url=url, format=format, events=events)
    for field, value in fields.items():
        setattr(webhook, field, value)
    webhook.include_private = include_private and webhook.community_id is None
    webhook.updated_at = timezone.now()
    webhook.save()
    return webhook


@transaction.atomic
def webhook_set_enabled(*, actor: User, webhook: Webhook, enabled: bool) -> Webhook:
    """Turn a webhook off by hand, or on again — which makes ``actor`` its owner: from then
    on it sends what they may see."""
    _require_view(actor, webhook)
    if enabled == webhook.enabled:
        return webhook
    now = timezone.now()
    if enabled:
        webhook.enabled, webhook.disabled_reason, webhook.disabled_at = True, "", None
        webhook.consecutive_failures = 0
        webhook.owner = actor
    else:
        webhook.enabled, webhook.disabled_reason = False, Webhook.Disabled.MANUAL
        webhook.disabled_at = now
    webhook.updated_at = now
    webhook.save()
    return webhook


@transaction.atomic
def webhook_rotate_secret(*, actor: User, webhook: Webhook) -> str:
    """A new secret (returned, shown once); the old one still signs for a day beside it.
    Whoever rotates becomes the owner (the secret is theirs to read again)."""
    _require_view(actor, webhook)
    now = timezone.now()
    webhook.previous_secret, webhook.previous_secret_until = (
        webhook.secret,
        now + PREVIOUS_SECRET_GRACE,
    )
    webhook.secret = signing.new_secret()
    webhook.owner = actor
    webhook.updated_at = now
    webhook.save()
    return webhook.secret


@transaction.atomic
def webhook_delete(*, actor: User, webhook: Webhook) -> None:
    _require_view(actor, webhook)
    webhook.delete()


@transaction.atomic
def webhook_test(*, actor: User, webhook: Webhook) -> Delivery:
    """Queue a test delivery (one attempt, whether the webhook is on or off; it counts
    toward nothing)."""
    _require_view(actor, webhook)
    if webhook.deliveries.filter(is_test=True, status=Delivery.Status.PENDING).exists():
        raise ValidationError(_("A test is already on its way: look at the log in a moment."))
    now = timezone.now()
    delivery = Delivery.objects.create(
        webhook=webhook,
        event=TEST_EVENT,
        key=f"{TEST_EVENT}:{uuid.uuid4()}",
        occurred_at=now,
        is_test=True,
    )
    _enqueue(delivery.pk)
    return delivery


def _enqueue(delivery_id: int, run_after: datetime | None = None) -> None:
    from guilde.webhooks.tasks import deliver as deliver_task

    if run_after is None:
        deliver_task.enqueue(delivery_id)
    else:
        deliver_task.using(run_after=run_after).enqueue(delivery_id)


# From events to deliveries -------------------------------------------------------------------


def event_key(event: str, subject: dict[str, Any], occurred_at: datetime) -> str:
    ids = ",".join(f"{name}={value}" for name, value in sorted(subject.items()))
    return f"{event}:{ids}:{occurred_at.isoformat()}"[:200]


def emit(
    event: str, *, community: Community, subject: dict[str, Any], occurred_at: datetime
) -> int:
    """One delivery per webhook that wants ``event`` in ``community`` (its own webhooks and
    the instance's); returns how many were queued. One query when none does."""
    public = community.visibility == Community.Visibility.PUBLIC
    webhooks = [
        webhook
        for webhook in Webhook.objects.filter(enabled=True).filter(
            Q(community=community) | Q(community__isnull=True)
        )
        if webhook.wants(event)
        and (webhook.community_id is not None or public or webhook.include_private)
        and not (event in REMOVALS and webhook.format == Webhook.Format.CHAT)
    ]
    if not webhooks:
        return 0
    key = event_key(event, subject, occurred_at)
    with transaction.atomic():
        done = set(
            Delivery.objects.filter(webhook__in=webhooks, key=key).values_list(
                "webhook_id", flat=True
            )
        )
        created = Delivery.objects.bulk_create(
            Delivery(
                webhook=webhook, event=event, subject=subject, key=key, occurred_at=occurred_at
            )
            for webhook in webhooks
            if webhook.pk not in done
        )
        for delivery in created:
            _enqueue(delivery.pk)
    return len(created)


# Delivering ----------------------------------------------------------------------------------


def _finish(delivery: Delivery, status: str, *, reason: str = "") -> None:
    delivery.status, delivery.reason = status, reason
    delivery.finished_at, delivery.next_attempt_at = timezone.now(), None
    delivery.save(update_fields=["status", "reason", "finished_at", "next_attempt_at"])


def _turn_off(webhook: Webhook, reason: str) -> None:
    now = timezone.now()
    Webhook.objects.filter(pk=webhook.pk).update(
        enabled=False, disabled_reason=reason, disabled_at=now, updated_at=now
    )
    webhook.enabled, webhook.disabled_reason, webhook.disabled_at = False, reason, now


def _tell_owner_it_is_off(webhook: Webhook) -> None:
    if webhook.owner is None:
        return
    notify(
        recipient=webhook.owner,
        kind=Kind.WEBHOOK,
        community=webhook.community,
        data={"webhook": webhook.pk, "label": webhook.name, "what": "failures"},
    )


def _secrets_in_use(webhook: Webhook, now: datetime) -> list[str]:
    in_use = [webhook.secret]
    if (
        webhook.previous_secret
        and webhook.previous_secret_until
        and (webhook.previous_secret_until > now)
    ):
        in_use.append(webhook.previous_secret)
    return in_use


def deliver(delivery_id: int) -> str:
    """One attempt at ``delivery_id`` (the worker's ``deliver`` task); returns what became of
    it: "delivered", "retrying", "failed", "skipped", or "nothing to do"."""
    delivery = (
        Delivery.objects.select_related("webhook__community", "webhook__owner")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None or delivery.status != Delivery.Status.PENDING:
        return "nothing to do"
    webhook = delivery.webhook
    if not webhook.enabled and not delivery.is_test:
        _finish(delivery, Delivery.Status.SKIPPED, reason=Delivery.Reason.DISABLED)
        return "skipped"
    if not owner_may_send(webhook):
        with transaction.atomic():
            _finish(delivery, Delivery.Status.SKIPPED, reason=Delivery.Reason.OWNER_LOST_ACCESS)
            _turn_off(webhook, Webhook.Disabled.OWNER)
        return "skipped"
    owner = webhook.owner
    assert owner is not None  # noqa: S101  (owner_may_send refuses a webhook without one)
    try:
        body = payloads.body(delivery, webhook, owner)
    except payloads.NotSent as refusal:
        _finish(delivery, Delivery.Status.SKIPPED, reason=refusal.reason)
        return "skipped"
    started_at = timezone.now()
    timestamp = int(started_at.timestamp())
    headers = {
        signing.SIGNATURE_HEADER: signing.signature_header(
            _secrets_in_use(webhook, started_at), timestamp, body
        ),
        "Guilde-Event": delivery.event,
        "Guilde-Delivery": str(delivery.uuid),
    }
    outcome = sending.post(webhook.url, body, headers)  # outside any transaction
    return _record(delivery.pk, outcome, started_at)


@transaction.atomic
def _record(delivery_id: int, outcome: sending.Outcome, started_at: datetime) -> str:
    delivery = Delivery.objects.select_for_update(no_key=True).get(pk=delivery_id)
    webhook = (
        Webhook.objects.select_for_update(of=("self",), no_key=True)
        .select_related("community", "owner")
        .get(pk=delivery.webhook_id)
    )
    number = delivery.attempts + 1
    allowed = 1 if delivery.is_test else max(1, int(settings.GUILDE_WEBHOOKS_ATTEMPTS))
    next_at = None
    if not outcome.succeeded and number < allowed:
        base = timedelta(seconds=float(settings.GUILDE_WEBHOOKS_BACKOFF_SECONDS))
        next_at = timezone.now() + backoff_delay(base, number)
    DeliveryAttempt.objects.create(
        delivery=delivery,
        number=number,
        started_at=started_at,
        duration_ms=outcome.duration_ms,
        status_code=outcome.status_code,
        error=outcome.error,
        next_attempt_at=next_at,
    )
    delivery.attempts, delivery.last_status_code = number, outcome.status_code
    delivery.note = outcome.error
    delivery.save(update_fields=["attempts", "last_status_code", "note"])
    if outcome.succeeded:
        _finish(delivery, Delivery.Status.SUCCEEDED)
        if not delivery.is_test and webhook.consecutive_failures:
            Webhook.objects.filter(pk=webhook.pk).update(consecutive_failures=0)
        return "delivered"
    if next_at is not None:
        delivery.next_attempt_at = next_at
        delivery.save(update_fields=["next_attempt_at"])
        _enqueue(delivery.pk, run_after=next_at)
        return "retrying"
    _finish(delivery, Delivery.Status.FAILED)
    if not delivery.is_test:
        webhook.consecutive_failures += 1
        Webhook.objects.filter(pk=webhook.pk).update(
            consecutive_failures=webhook.consecutive_failures
        )
        limit = max(1, int(settings.GUILDE_WEBHOOKS_DISABLE_AFTER))
        if webhook.enabled and webhook.consecutive_failures >= limit:
            _turn_off(webhook, Webhook.Disabled.FAILURES)
            _tell_owner_it_is_off(webhook)
    return "failed"


def prune_log(now: datetime | None = None) -> int:
    """Delete finished deliveries older than ``GUILDE_WEBHOOKS_LOG_DAYS``; returns how many."""
    now = now or timezone.now()
    limit = now - timedelta(days=int(settings.GUILDE_WEBHOOKS_LOG_DAYS))
    _total, deleted = (
        Delivery.objects.filter(created_at__lt=limit)
        .exclude(status=Delivery.Status.PENDING)
        .delete()
    )
    return deleted.get(Delivery._meta.label, 0)
