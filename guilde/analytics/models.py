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
