"""What each import brought in: the source's identifier of every object, the local object,
and a digest of the source's values — so that importing again adds what is new, updates
what changed, and touches nothing else."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportedObject(models.Model):
    # "stackexchange:beer.stackexchange.com"
    source = models.CharField(_("source"), max_length=100)
    # "user", "tag", "question", "answer", "revision", "comment", "vote", "link"...
    kind = models.CharField(_("kind"), max_length=20)
    key = models.CharField(_("identifier at the source"), max_length=100)
    object_id = models.PositiveBigIntegerField(_("local id"))
    digest = models.CharField(_("digest of the source's values"), max_length=40, blank=True)
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)

    class Meta:
        verbose_name = _("imported object")
        verbose_name_plural = _("imported objects")
        constraints = [
            models.UniqueConstraint(fields=["source", "kind", "key"], name="imported_once")
        ]
        indexes = [models.Index(fields=["source", "kind", "object_id"], name="imported_local_idx")]

    def __str__(self) -> str:
        return f"{self.source} {self.kind} {self.key}"
