"""What members follow, what they are told, how and when."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guilde.communities.models import Community, Tag
from guilde.discussions.models import Post, Thread


class Level(models.TextChoices):
    WATCH = "watch", _("Watching: tell me about every new post")
    TRACK = "track", _("Tracking: count what is new, tell me only when I am addressed")
    MUTE = "mute", _("Muted: nothing, not even in counts")


class Subscription(models.Model):
    """A member's level of interest in one thread, community or tag."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions"
    )
    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, null=True, blank=True, related_name="subscriptions"
    )
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, null=True, blank=True, related_name="subscriptions"
    )
    tag = models.ForeignKey(
        Tag, on_delete=models.CASCADE, null=True, blank=True, related_name="subscriptions"
    )
    level = models.CharField(_("level"), max_length=5, choices=Level.choices)
    automatic = models.BooleanField(_("set automatically"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(thread__isnull=False, community__isnull=True, tag__isnull=True)
                    | Q(thread__isnull=True, community__isnull=False, tag__isnull=True)
                    | Q(thread__isnull=True, community__isnull=True, tag__isnull=False)
                ),
                name="subscription_one_target",
            ),
            models.UniqueConstraint(
                fields=["member", "thread"],
                condition=Q(thread__isnull=False),
                name="subscription_thread_once",
            ),
            models.UniqueConstraint(
                fields=["member", "community"],
                condition=Q(community__isnull=False),
                name="subscription_community_once",
            ),
            models.UniqueConstraint(
                fields=["member", "tag"],
                condition=Q(tag__isnull=False),
                name="subscription_tag_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.level} {self.thread or self.community or self.tag}"


class Kind(models.TextChoices):
    MENTION = "mention", _("Mentions")
    REPLY = "reply", _("Replies to my posts")
    ANSWER = "answer", _("Answers to my questions")
    ANSWER_REQUEST = "answer_request", _("Requests to answer a question")
    ACCEPTED = "accepted", _("My answer accepted")
    REACTION = "reaction", _("Reactions to my posts")
    WATCHED_POST = "watched_post", _("New posts in what I watch")
    WATCHED_THREAD = "watched_thread", _("New threads in what I watch")
    MEMBERSHIP = "membership", _("Decisions about my memberships")
    INVITATION = "invitation", _("Invitations to communities")
    JOIN_REQUEST = "join_request", _("Requests to join my communities")
    MESSAGE = "message", _("Direct messages")
    MODERATION = "moderation", _("Moderators' decisions about me or my posts")
    FLAG_OUTCOME = "flag_outcome", _("What became of my flags")
    KNOWLEDGE = "knowledge", _("Articles I look after or proposed changes to")
    EVENT = "event", _("Events I registered for")
    MENTORING = "mentoring", _("My mentoring: proposed pairs, relationships, reminders")
    ONBOARDING = "onboarding", _("Newcomers who chose me as their buddy")
    WEBHOOK = "webhook", _("My webhooks, when they are turned off after failures")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # Kind-specific details, e.g. {"count": 3, "reactions": ["heart"]} for batched reactions,
    # {"conversation": 12} for messages, {"approved": true} for membership decisions.
    data = models.JSONField(_("details"), default=dict, blank=True)
    # Reactions to one post, messages of one conversation: one notification, kept up to date.
    batch_key = models.CharField(_("batch"), max_length=100, blank=True)
    # The domain event that made it (guilde.core.events): a handler run again finds it.
    event = models.CharField(_("event"), max_length=32, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # When its e-mail may leave ("immediately" waits a short while to group per thread);
    # null: no e-mail of its own (digest, or never).
    email_due_at = models.DateTimeField(_("e-mail due"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(
                fields=["recipient", "read_at", "-updated_at"], name="notification_inbox_idx"
            ),
            models.Index(
                fields=["email_due_at"],
                condition=Q(emailed_at__isnull=True, email_due_at__isnull=False),
                name="notification_email_due_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "batch_key"],
                condition=~Q(batch_key="") & Q(read_at__isnull=True),
                name="notification_one_open_batch",
            ),
            models.UniqueConstraint(
                fields=["recipient", "kind", "event"],
                condition=~Q(event=""),
                name="notification_once_per_event",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient}"


class Frequency(models.TextChoices):
    IMMEDIATELY = "immediately", _("Right away")
    DAILY = "daily", _("In a daily digest")
    WEEKLY = "weekly", _("In a weekly digest")
    NEVER = "never", _("Never")


# How often the digest lists the liveliest unread threads of the member's communities.
DIGEST_CHOICES = [
    (Frequency.DAILY.value, Frequency.DAILY.label),
    (Frequency.WEEKLY.value, Frequency.WEEKLY.label),
    (Frequency.NEVER.value, Frequency.NEVER.label),
]


class EmailPreference(models.Model):
    """How a member wants to hear about one kind of notification by e-mail."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preferences"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    frequency = models.CharField(_("e-mail"), max_length=12, choices=Frequency.choices)

    class Meta:
        verbose_name = _("e-mail preference")
        verbose_name_plural = _("e-mail preferences")
        constraints = [
            models.UniqueConstraint(fields=["member", "kind"], name="emailpreference_once")
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.kind} {self.frequency}"


class NotificationSettings(models.Model):
    """A member's general notification settings (one row, created when first changed)."""

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    watch_started = models.BooleanField(_("watch the threads I start"), default=True)
    watch_replied = models.BooleanField(_("watch the threads I reply to"), default=True)
    # How often the digest lists the liveliest unread threads of the member's communities.
    digest = models.CharField(
        _("digest of my communities"),
        max_length=12,
        choices=DIGEST_CHOICES,
        default=Frequency.WEEKLY,
    )
    last_daily_digest = models.DateField(_("last daily digest (local date)"), null=True, blank=True)
    last_weekly_digest = models.DateField(
        _("last weekly digest (local date)"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return f"{self.member}"


class EmailAddressStatus(models.Model):
    """Delivery failures reported for an address; mail stops after repeated hard bounces."""

    email = models.EmailField(_("e-mail address"), unique=True)
    hard_bounces = models.PositiveIntegerField(_("hard bounces"), default=0)
    soft_bounces = models.PositiveIntegerField(_("soft bounces"), default=0)
    complaints = models.PositiveIntegerField(_("complaints"), default=0)
    last_report_at = models.DateTimeField(_("last report"), null=True, blank=True)
    suppressed_at = models.DateTimeField(_("mail stopped"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("e-mail address status")
        verbose_name_plural = _("e-mail address statuses")

    def __str__(self) -> str:
        return self.email
