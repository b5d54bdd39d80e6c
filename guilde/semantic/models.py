"""Vectors of what semantic search finds: threads and articles (events when they exist)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Embedding(models.Model):
    """The vector of one thread or article, computed by the worker from its search
    document (so it exists only for what the search index holds, in the same audience).

    ``vector`` holds float32 values (:attr:`dimensions` of them, unit length) as bytes;
    ``model`` names the embedder that made it; ``digest`` is the hash of the embedded text,
    so an unchanged text is not embedded again.
    """

    kind = models.CharField(max_length=12)
    object_key = models.CharField(max_length=40)
    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="+"
    )
    # The search document's audience ("community" or "draft"): drafts are never matched.
    audience = models.CharField(max_length=10)
    model = models.CharField(max_length=120)
    dimensions = models.PositiveIntegerField()
    vector = models.BinaryField()
    digest = models.CharField(max_length=64)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_key"], name="embedding_once")
        ]
        indexes = [models.Index(fields=["model"], name="embedding_model_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_key} ({self.model})"
