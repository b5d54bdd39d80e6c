"""Flags members raise on posts, and appeals against decisions. (A moderator's private
warning to a member is a log entry, ``member_warn``, whose reason the member reads.)

The moderation log itself is ``communities.ModerationLogEntry`` (every app writes to it);
suspensions are on ``communities.Membership``, silences on ``accounts.User``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guilde.communities.models import Community, ModerationLogEntry
from guilde.discussions.models import Post


class Flag(models.Model):
    class Reason(models.TextChoices):
        OFF_TOPIC = "off_topic", _("Off-topic")
        INAPPROPRIATE = "inappropriate", _("Inappropriate")
        SPAM = "spam", _("Spam")
        ATTENTION = "attention", _("Needs a moderator's attention")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for a moderator")
        AGREED = "agreed", _("A moderator agreed")
        DISAGREED = "disagreed", _("A moderator disagreed")

    # Reasons that count towards hiding a post before a moderator looks.
    HIDING_REASONS = (Reason.OFF_TOPIC, Reason.INAPPROPRIATE, Reason.SPAM)

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="flags")
    flagger = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    text = models.TextField(_("details"), max_length=1000, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("flagged at"), default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        constraints = [
            models.UniqueConstraint(
                fields=["post", "flagger"], condition=Q(status="open"), name="flag_open_once"
            )
        ]
        indexes = [models.Index(fields=["status", "post"], name="flag_status_idx")]

    def __str__(self) -> str:
        return f"{self.reason} on {self.post_id}"


class Appeal(models.Model):
    """A member contests a decision (a hidden post, a suspension) once, with a message;
    a moderator other than the one who decided, or a coordinator, upholds or overturns it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting")
        UPHELD = "upheld", _("Decision upheld")
        OVERTURNED = "overturned", _("Decision overturned")

    # The decision appealed: its log entry (a hidden post, a suspension...).
    decision = models.OneToOneField(
        ModerationLogEntry, on_delete=models.CASCADE, related_name="appeal"
    )
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    message = models.TextField(_("message"), max_length=4000)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("appealed at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    outcome = models.TextField(_("explanation"), max_length=4000, blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        indexes = [models.Index(fields=["community", "status"], name="appeal_queue_idx")]

    def __str__(self) -> str:
        return f"appeal {self.pk}"
