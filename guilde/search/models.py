"""The search index: one analysed document per searchable thing, and the search log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    THREAD = "thread", _("Thread")
    POST = "post", _("Reply")
    ARTICLE = "article", _("Article")
    ATTACHMENT = "attachment", _("Attachment")
    COMMUNITY = "community", _("Community")
    MEMBER = "member", _("Member")
    EVENT = "event", _("Event")


class Audience(models.TextChoices):
    """Who may find a document (the permission filter is built from this, in SQL)."""

    COMMUNITY = "community", "readers of its community"
    DRAFT = "draft", "its author and the community's stewards"
    DISCOVER = "discover", "whoever may discover the community"
    EVERYONE = "everyone", "everyone (a member's public fields)"
    SHARED = "shared", "members who share a community with the member, and the member"


class SearchDocument(models.Model):
    """One searchable thing, analysed.

    ``title``, ``tags`` and ``body`` keep the original text (snippets are cut from it); the
    ``*_terms`` columns hold it analysed (:mod:`guilde.search.analysis`) and feed SQLite's
    FTS5 table through triggers, so a deletion never runs the analyser again. On PostgreSQL
    the ``*_terms`` columns stay empty and a trigger fills a weighted tsvector column
    instead. Written only by :mod:`guilde.search.index`, inside the writer's transaction.
    """

    # Column order matters on SQLite (migration 0003): the columns every match reads for
    # permissions, filters and ranking come first, the text last, so that reading them does
    # not walk a long body's overflow pages.
    kind = models.CharField(max_length=12, choices=Kind.choices)
    audience = models.CharField(max_length=10, choices=Audience.choices)
    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, null=True, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    thread_id = models.BigIntegerField(null=True)
    subtype = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=20, blank=True)
    language = models.CharField(max_length=2)
    boost = models.FloatField(default=1.0)
    created_at = models.DateTimeField()
    activity_at = models.DateTimeField()
    indexed_at = models.DateTimeField(default=timezone.now)
    # The object's primary key as text (uploads have UUIDs).
    object_key = models.CharField(max_length=40)
    url = models.CharField(max_length=500)
    title = models.CharField(max_length=300, blank=True)
    context = models.CharField(max_length=300, blank=True)
    tags = models.CharField(max_length=1000, blank=True)
    title_terms = models.TextField(blank=True)
    tags_terms = models.TextField(blank=True)
    body = models.TextField(blank=True)
    body_terms = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_key", "audience"], name="search_document_once"
            )
        ]
        indexes = [
            models.Index(fields=["thread_id"], name="search_doc_thread_idx"),
            models.Index(fields=["community", "kind"], name="search_doc_community_idx"),
            models.Index(fields=["author"], name="search_doc_author_idx"),
            models.Index(fields=["indexed_at"], name="search_doc_indexed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_key}"


class IndexState(models.Model):
    """A value the index remembers about itself (the analyser version it was built with)."""

    key = models.CharField(max_length=40, primary_key=True)
    value = models.CharField(max_length=100)

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class AttachmentText(models.Model):
    """The text the worker extracted from an uploaded document (rebuilt, never exported)."""

    upload = models.OneToOneField(
        "uploads.Upload", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    text = models.TextField(blank=True)
    extracted_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"text of {self.upload_id}"


class SearchQuery(models.Model):
    """A search someone made: what they typed and how many results it gave. The member is
    forgotten after :data:`guilde.search.services.LOG_IDENTITY_DAYS` days."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.CharField(max_length=300)
    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, null=True, related_name="+"
    )
    filters = models.JSONField(default=dict, blank=True)
    results = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="search_query_created_idx")]

    def __str__(self) -> str:
        return self.text


class SearchClick(models.Model):
    """A result opened from a search (for the analytics' reuse figures)."""

    query = models.ForeignKey(SearchQuery, on_delete=models.CASCADE, related_name="clicks")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    object_key = models.CharField(max_length=40)
    rank = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.kind} {self.object_key} #{self.rank}"
