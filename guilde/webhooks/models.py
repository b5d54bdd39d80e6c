"""Outgoing webhooks (docs/webhooks.md): where a community's (or the instance's) events are
sent, and the log of what was sent.

A ``Webhook`` belongs to a community (its coordinators manage it) or, without one, to the
instance (administrators). It acts with the rights of its ``owner`` — whoever last created,
re-enabled or gave it a new secret — checked again before every delivery. A ``Delivery`` is
one event for one webhook, with the same id on every attempt; each ``DeliveryAttempt`` is one
HTTP request and what came back. Payloads are built when they are sent and never stored:
the log keeps event names, ids, response codes, durations and errors, nothing of the content.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guilde.communities.models import Community


class EventKind(models.TextChoices):
    """The events a webhook may choose (the names are the payload's ``event``)."""

    THREAD_CREATED = "thread.created", _("A thread is started")
    ANSWER_ACCEPTED = "answer.accepted", _("An answer is accepted")
    ARTICLE_VERIFIED = "article.verified", _("An article is verified")
    EVENT_CREATED = "event.created", _("An event is created")
    EVENT_CANCELLED = "event.cancelled", _("An event is cancelled")
    MEMBER_JOINED = "member.joined", _("Someone joins")
    # Removals: ids only, for receivers that keep copies (Guilde JSON webhooks only).
    POST_DELETED = "post.deleted", _("A post is deleted by its author")
    POST_HIDDEN = "post.hidden", _("A post is hidden (by moderators or members' flags)")
    POST_PURGED = "post.purged", _("A post is erased for good")


REMOVALS = frozenset({EventKind.POST_DELETED, EventKind.POST_HIDDEN, EventKind.POST_PURGED})
# The event of a "send test" delivery; webhooks never choose it.
TEST_EVENT = "webhook.test"


class Webhook(models.Model):
    class Format(models.TextChoices):
        GUILDE = "guilde", _("Guilde JSON (versioned schema, signed)")
        CHAT = "chat", _("Chat: a Slack, Mattermost or Teams incoming webhook")

    class Disabled(models.TextChoices):
        NO = "", _("On")
        MANUAL = "manual", _("Turned off by hand")
        FAILURES = "failures", _("Turned off after failed deliveries")
        OWNER = "owner", _("Turned off: its owner may no longer manage it")

    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhooks",
        verbose_name=_("community"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("address"), max_length=2000)
    format = models.CharField(_("format"), max_length=8, choices=Format.choices)
    events = models.JSONField(_("events"), default=list)
    # Instance webhooks: also events of communities that are not public (their owner must
    # still be allowed to see them when each delivery leaves).
    include_private = models.BooleanField(
        _("include private and hidden communities"), default=False
    )
    secret = models.CharField(_("signing secret"), max_length=100)
    # The secret before the last rotation, still signing beside the new one for a while.
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    enabled = models.BooleanField(_("on"), default=True)
    disabled_reason = models.CharField(
        _("why it is off"), max_length=16, choices=Disabled.choices, blank=True
    )
    disabled_at = models.DateTimeField(null=True, blank=True)
    # Deliveries that failed for good (every attempt) since the last success.
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        indexes = [models.Index(fields=["community", "enabled"], name="webhook_community_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(community__isnull=True) | Q(include_private=False),
                name="webhook_private_only_for_instance",
            ),
            models.CheckConstraint(
                condition=Q(enabled=True, disabled_reason="")
                | Q(enabled=False) & ~Q(disabled_reason=""),
                name="webhook_off_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_instance(self) -> bool:
        return self.community_id is None

    def wants(self, event: str) -> bool:
        return event in self.events


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SUCCEEDED = "succeeded", _("Delivered")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent")

    class Reason(models.TextChoices):
        """Why a delivery was not sent (the payload is built, and checked, when it leaves)."""

        NONE = "", ""
        GONE = "gone", _("What it was about no longer exists.")
        HIDDEN = "hidden", _("What it was about is hidden, deleted or a draft.")
        CHANGED = (
            "changed",
            _("It changed since: the answer, verification or cancellation was undone."),
        )
        MOVED = "moved", _("It moved to another community.")
        NOT_PUBLIC = (
            "not_public",
            _("Its community is not public; this webhook sends public communities' events only."),
        )
        OWNER_CANNOT_SEE = "owner_cannot_see", _("The webhook's owner may not see it.")
        OWNER_LOST_ACCESS = (
            "owner",
            _("The webhook's owner may no longer manage it: the webhook was turned off."),
        )
        DISABLED = "disabled", _("The webhook was turned off.")

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.CharField(_("event"), max_length=40)
    # The ids of what the event is about, e.g. {"thread": 12} — read again when sent.
    subject = models.JSONField(default=dict)
    # One delivery per webhook and occurrence of an event, however often the event's
    # handler runs (it is retried with the other handlers of its event).
    key = models.CharField(max_length=200)
    occurred_at = models.DateTimeField(_("happened at"))
    is_test = models.BooleanField(default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    reason = models.CharField(
        _("why it was not sent"), max_length=16, choices=Reason.choices, blank=True
    )
    # The last attempt's error, as the connection or the receiver gave it.
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [models.Index(fields=["webhook", "-id"], name="delivery_webhook_idx")]
        constraints = [
            models.UniqueConstraint(fields=["webhook", "key"], name="delivery_once_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.event} → webhook {self.webhook_id}"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    # When the next attempt was scheduled (none after a success or the last attempt).
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="attempt_number_unique")
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery {self.delivery_id}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
