"""The knowledge base: articles with immutable revisions, their lifecycle (draft →
published → verified → needs review → archived), proposals reviewed by stewards, feedback,
views, provenance from discussions, and learning paths."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guilde.communities.models import Community, Tag
from guilde.discussions.models import Thread
from guilde.uploads.models import Upload


class ArticleQuerySet(models.QuerySet["Article"]):
    def public(self) -> ArticleQuerySet:
        """Articles every reader of their community sees (not drafts)."""
        return self.exclude(status=Article.Status.DRAFT)


class Article(models.Model):
    class Kind(models.TextChoices):
        GUIDE = "guide", _("Guide or how-to")
        BEST_PRACTICE = "best_practice", _("Best practice")
        CASE_STUDY = "case_study", _("Case study")
        LESSON = "lesson", _("Lesson learned")
        GLOSSARY = "glossary", _("Glossary term")
        RESOURCE = "resource", _("Resource")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        VERIFIED = "verified", _("Verified")
        NEEDS_REVIEW = "needs_review", _("Needs review")
        ARCHIVED = "archived", _("Archived")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="articles")
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices, default=Kind.GUIDE)
    status = models.CharField(
        _("status"), max_length=14, choices=Status.choices, default=Status.DRAFT
    )
    # The latest revision's title and text, copied here for lists and search.
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=200_000, blank=True)
    body_html = models.TextField(_("text as HTML"), blank=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    # Resources point somewhere: a page, a video, a file (an upload).
    url = models.URLField(_("address"), max_length=500, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles", verbose_name=_("tags"))
    attachments = models.ManyToManyField(Upload, blank=True, related_name="articles")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="articles"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    revision_count = models.PositiveIntegerField(_("revisions"), default=0)
    published_at = models.DateTimeField(_("published on"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified on"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verification_expires_at = models.DateTimeField(
        _("verification expires on"), null=True, blank=True
    )
    review_reason = models.CharField(_("why it needs review"), max_length=500, blank=True)
    archived_at = models.DateTimeField(_("archived on"), null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaces"
    )
    # Provenance: what the article was captured from (a thread; later an event, a mentoring
    # session...), by kind and id, with a label that outlives the source.
    source_type = models.CharField(_("captured from"), max_length=20, blank=True)
    source_id = models.PositiveBigIntegerField(_("source id"), null=True, blank=True)
    source_label = models.CharField(_("source"), max_length=200, blank=True)
    # Indexed only where set (article_source_thread_idx): most articles have no source
    # thread, and SQLite's statistics would judge a full index useless.
    source_thread = models.ForeignKey(
        Thread,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
        db_index=False,
    )
    view_count = models.PositiveIntegerField(_("views"), default=0)
    helpful_count = models.PositiveIntegerField(_("found it helpful"), default=0)
    unhelpful_count = models.PositiveIntegerField(_("did not"), default=0)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            models.Index(fields=["community", "status", "-updated_at"], name="article_list_idx"),
            models.Index(fields=["status", "verification_expires_at"], name="article_expiry_idx"),
            models.Index(
                fields=["source_thread"],
                condition=Q(source_thread__isnull=False),
                name="article_source_thread_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("knowledge:article", args=[self.community.slug, self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class ArticleRevision(models.Model):
    """One saved state of an article: immutable once written."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=200_000, blank=True)
    summary = models.CharField(_("what changed"), max_length=300, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("saved at"), default=timezone.now)
    # A restore copies an older revision: which one.
    restored_from = models.PositiveIntegerField(_("restored from"), null=True, blank=True)

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ["article", "number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="revision_number_once")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} r{self.number}"


class Proposal(models.Model):
    """A change a member proposes where the community wants changes reviewed."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for review")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="proposals")
    base_number = models.PositiveIntegerField(_("based on revision"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=200_000, blank=True)
    summary = models.CharField(_("what changes"), max_length=300, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        indexes = [models.Index(fields=["article", "status"], name="proposal_status_idx")]

    def __str__(self) -> str:
        return f"proposal {self.pk}"


class ReviewComment(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("comment"), max_length=5000)
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"comment {self.pk}"


class Feedback(models.Model):
    """ "Was this helpful?" — one answer per member per article (they may change it)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    helpful = models.BooleanField(_("helpful"))
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("given at"), default=timezone.now)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [models.UniqueConstraint(fields=["article", "member"], name="feedback_once")]

    def __str__(self) -> str:
        return f"feedback {self.pk}"


class ArticleView(models.Model):
    """One view per reader per day (members by id, visitors by a daily salted hash)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    viewer = models.CharField(max_length=64)
    day = models.DateField()

    class Meta:
        verbose_name = _("article view")
        verbose_name_plural = _("article views")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "viewer", "day"], name="articleview_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.article_id} {self.day}"


class OutdatedReport(models.Model):
    """A member says an article is out of date (from the article or a linked thread)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="outdated_reports")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(_("what is out of date"), max_length=2000)
    thread = models.ForeignKey(
        Thread, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("reported at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outdated report")
        verbose_name_plural = _("outdated reports")

    def __str__(self) -> str:
        return f"outdated {self.pk}"


class ArticleDraft(models.Model):
    """What a member is writing in the article editor, saved as they type."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    body = models.TextField(_("text"), max_length=200_000, blank=True)
    updated_at = models.DateTimeField(_("saved at"), default=timezone.now)

    class Meta:
        verbose_name = _("article draft")
        verbose_name_plural = _("article drafts")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "community", "article"], name="articledraft_once"
            ),
            models.UniqueConstraint(
                fields=["member", "community"],
                condition=Q(article__isnull=True),
                name="articledraft_new_once",
            ),
        ]

    def __str__(self) -> str:
        return f"draft {self.pk}"


class LearningPath(models.Model):
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="learning_paths"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("learning path")
        verbose_name_plural = _("learning paths")
        ordering = ["position", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("knowledge:path", args=[self.community.slug, self.pk])


class PathSection(models.Model):
    path = models.ForeignKey(LearningPath, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(_("title"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class PathStep(models.Model):
    """One thing to read or do: an article, a thread, or a link."""

    section = models.ForeignKey(PathSection, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    url = models.URLField(_("address"), max_length=500, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(article__isnull=False, thread__isnull=True, url="")
                | Q(article__isnull=True, thread__isnull=False, url="")
                | (Q(article__isnull=True, thread__isnull=True) & ~Q(url="")),
                name="step_one_target",
            )
        ]

    def __str__(self) -> str:
        return self.title or str(self.article or self.thread or self.url)


class StepDone(models.Model):
    step = models.ForeignKey(PathStep, on_delete=models.CASCADE, related_name="done")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    done_at = models.DateTimeField(_("done at"), default=timezone.now)

    class Meta:
        verbose_name = _("step done")
        verbose_name_plural = _("steps done")
        constraints = [models.UniqueConstraint(fields=["step", "member"], name="stepdone_once")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.step_id}"
