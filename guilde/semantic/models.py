"""Vectors of what semantic search finds: threads, articles and events."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Embedding(models.Model):
    """A vector of one thread or article, computed by the worker from its search
    document (so it exists only for what the search index holds, in the same audience).

    A thread has two parts, each its own vector: its ``question`` (title and opening post)
    and, once accepted, its ``answer``; a search scores the thread by the closer of the
    two, so a long answer never blurs what the question asks. An article has one part,
    its ``text``.

    ``vector`` holds float32 values (:attr:`dimensions` of them, unit length) as bytes;
    ``model`` names the embedder that made it; ``digest`` is the hash of the embedded text,
    so an unchanged text is not embedded again.
    """

    class Part(models.TextChoices):
        QUESTION = "question", "question"
        ANSWER = "answer", "answer"
        TEXT = "text", "text"

    kind = models.CharField(max_length=12)
    object_key = models.CharField(max_length=40)
    part = models.CharField(max_length=10, choices=Part.choices, default=Part.TEXT)
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
            models.UniqueConstraint(
                fields=["kind", "object_key", "part"], name="embedding_part_once"
            )
        ]
        indexes = [models.Index(fields=["model"], name="embedding_model_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_key} {self.part} ({self.model})"


class VectorIndexVersion(models.Model):
    """The newest version of the vector index's files (one row): processes compare it with
    the version they mapped (:mod:`guilde.semantic.vectors`)."""

    version = models.PositiveIntegerField(default=0)
    # Part of the files' names: a database restored to an older version never maps the
    # files another history left under the same number.
    token = models.CharField(max_length=32, blank=True)
    built_at = models.DateTimeField(auto_now=True)
    # What the newest version was built from: the worker builds again when they change.
    vectors = models.PositiveIntegerField(default=0)
    latest_change = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"vector index v{self.version}"
