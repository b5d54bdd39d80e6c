"""Daily snapshots of the metrics, so that the dashboard reads precomputed numbers."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guilde.communities.models import Community


class Snapshot(models.Model):
    """A community's metrics (or, ``community`` empty, the instance's) as of ``computed_at``
    on ``day``: the day's activity counts (for the series over time) and, per period of the
    dashboard, the metrics of the period ending then and of the one before it."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    day = models.DateField(_("day"))
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)
    counts = models.JSONField(_("the day's activity"), default=dict)
    periods = models.JSONField(_("metrics per period"), default=dict, blank=True)

    class Meta:
        verbose_name = _("analytics snapshot")
        verbose_name_plural = _("analytics snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "day"],
                condition=Q(community__isnull=False),
                name="snapshot_once_a_day",
            ),
            models.UniqueConstraint(
                fields=["day"],
                condition=Q(community__isnull=True),
                name="instance_snapshot_once_a_day",
            ),
        ]
        indexes = [models.Index(fields=["community", "day"], name="snapshot_community_day_idx")]

    def __str__(self) -> str:
        return f"{self.community or 'instance'} {self.day}"


class Story(models.Model):
    """A member's value-creation story (Wenger, Trayner & de Laat 2011): what taking part
    brought them, in which cycle of value, with an optional measured effect, and at most
    one link to what it came from (a thread, an article, an event, a mentoring
    relationship) in the story's community. Its coordinators and the instance's
    administrators read them; its author their own."""

    class Cycle(models.TextChoices):
        IMMEDIATE = "immediate", _("Immediate value")
        POTENTIAL = "potential", _("Potential value")
        APPLIED = "applied", _("Applied value")
        REALISED = "realised", _("Realised value")
        REFRAMING = "reframing", _("Reframing value")

    class Effect(models.TextChoices):
        NONE = "", _("No measured effect")
        TIME_SAVED = "time_saved", _("Time saved")
        COST_SAVED = "cost_saved", _("Cost saved")
        QUALITY = "quality", _("Quality improved")
        OTHER = "other", _("Other effect")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="stories")
    author = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="stories"
    )
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("story"), max_length=10_000)
    text_html = models.TextField(_("story as HTML"), blank=True)
    cycle = models.CharField(
        _("cycle of value"),
        max_length=10,
        choices=Cycle.choices,
        help_text=_(
            "Immediate: the activity itself was worth it (fun, help, inspiration). "
            "Potential: you gained something for later (a skill, a contact, a resource). "
            "Applied: you used it in your practice. "
            "Realised: using it made a difference you can see (time, money, quality). "
            "Reframing: it changed how you or your organisation see success."
        ),
    )
    thread = models.ForeignKey(
        "discussions.Thread", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    article = models.ForeignKey(
        "knowledge.Article", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    event = models.ForeignKey(
        "events.Event", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    relationship = models.ForeignKey(
        "mentoring.Relationship",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    effect_kind = models.CharField(
        _("measured effect"), max_length=12, choices=Effect.choices, default="", blank=True
    )
    effect_value = models.DecimalField(
        _("how much"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    effect_unit = models.CharField(
        _("unit"), max_length=20, blank=True, help_text=_("For example: hours, EUR, %.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("value-creation story")
        verbose_name_plural = _("value-creation stories")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["community", "created_at"], name="story_community_idx"),
            models.Index(fields=["author", "created_at"], name="story_author_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(effect_value__isnull=True) | Q(effect_value__gte=0),
                name="story_effect_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(article__isnull=True, event__isnull=True, relationship__isnull=True)
                | Q(thread__isnull=True, event__isnull=True, relationship__isnull=True)
                | Q(thread__isnull=True, article__isnull=True, relationship__isnull=True)
                | Q(thread__isnull=True, article__isnull=True, event__isnull=True),
                name="story_at_most_one_link",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("analytics:story", args=[self.community.slug, self.pk])

    @property
    def linked(self) -> models.Model | None:
        """What the story came from, if anything."""
        return self.thread or self.article or self.event or self.relationship


class StoryPrompt(models.Model):
    """ "Did you use this? What changed?" — asked of a member 30 days after an answer to
    their question was accepted, after an event they attended, or after their mentoring
    relationship finished; shown once due, until answered by a story or dismissed."""

    class Kind(models.TextChoices):
        ACCEPTED_ANSWER = "accepted_answer", _("Accepted answer")
        ATTENDED_EVENT = "attended_event", _("Attended event")
        FINISHED_MENTORING = "finished_mentoring", _("Finished mentoring")

    member = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="story_prompts"
    )
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # What the prompt is about: one of these, and its key (the thread's, the relationship's
    # or the event's id; "<event id>@<occurrence>" for an occurrence of a series) so that
    # a member is asked once per object.
    object_key = models.CharField(_("object"), max_length=64)
    thread = models.ForeignKey(
        "discussions.Thread", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    event = models.ForeignKey(
        "events.Event", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    occurrence = models.DateTimeField(_("occurrence"), null=True, blank=True)
    relationship = models.ForeignKey(
        "mentoring.Relationship",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    due_at = models.DateTimeField(_("due"))
    shown_at = models.DateTimeField(_("first shown"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_story = models.ForeignKey(
        Story, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dismissed_at = models.DateTimeField(_("dismissed"), null=True, blank=True)

    class Meta:
        verbose_name = _("story prompt")
        verbose_name_plural = _("story prompts")
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "kind", "object_key"], name="story_prompt_once"
            ),
        ]
        indexes = [
            models.Index(
                fields=["member", "due_at"],
                condition=Q(answered_at__isnull=True, dismissed_at__isnull=True),
                name="story_prompt_open_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind} {self.object_key}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None and self.dismissed_at is None
