"""Onboarding in a community: what its coordinators say to newcomers and point them to
(``Onboarding``, one per community, made on the first save of its settings), and the
buddies suggested to newcomers (``Buddy``).

The checklist itself is not stored: each item is ticked from what the member did
(``guilde.onboarding.checklist``), so it is never out of date and has nothing to forget.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guilde.communities.models import Community
from guilde.discussions.models import Thread
from guilde.knowledge.models import LearningPath


class Onboarding(models.Model):
    """A community's welcome: the coordinators' message, the learning path newcomers start
    with, the thread where they introduce themselves, and whether buddies are suggested."""

    community = models.OneToOneField(Community, on_delete=models.CASCADE, related_name="onboarding")
    welcome = models.TextField(_("welcome message"), max_length=20_000, blank=True)
    welcome_html = models.TextField(_("welcome message as HTML"), blank=True)
    starter_path = models.ForeignKey(
        LearningPath,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("starter path"),
    )
    introductions = models.ForeignKey(
        Thread,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("introductions thread"),
    )
    buddies = models.BooleanField(_("suggest a buddy to newcomers"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("onboarding")
        verbose_name_plural = _("onboarding")

    def __str__(self) -> str:
        return f"onboarding of {self.community_id}"


class Buddy(models.Model):
    """A member suggested to a newcomer as their buddy in a community, and the answer.

    A newcomer has at most one buddy not declined per community; a pair is never made
    twice, so a declined buddy is never suggested to that newcomer again.
    """

    class Status(models.TextChoices):
        SUGGESTED = "suggested", _("Suggested")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    newcomer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    buddy = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SUGGESTED
    )
    created_at = models.DateTimeField(_("suggested at"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("buddy")
        verbose_name_plural = _("buddies")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "newcomer"],
                condition=~Q(status="declined"),
                name="buddy_one_open_per_newcomer",
            ),
            models.UniqueConstraint(
                fields=["community", "newcomer", "buddy"], name="buddy_pair_once"
            ),
            models.CheckConstraint(condition=~Q(newcomer=F("buddy")), name="buddy_not_self"),
            models.CheckConstraint(
                condition=Q(status="suggested", answered_at__isnull=True)
                | (~Q(status="suggested") & Q(answered_at__isnull=False)),
                name="buddy_answered_when_not_suggested",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "buddy", "status"], name="buddy_of_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.buddy_id} buddy of {self.newcomer_id} ({self.status})"
