"""Threads and posts: discussions, questions with accepted answers, ideas, announcements."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guilde.communities.models import Community, Tag
from guilde.uploads.models import Upload


class Category(models.Model):
    """An optional grouping of a community's threads (e.g. "Help", "Show and tell")."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(_("name"), max_length=60)
    slug = models.SlugField(_("short name"), max_length=70, allow_unicode=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "slug"], name="category_once_per_community"
            )
        ]

    def __str__(self) -> str:
        return self.name


class HiddenReason(models.TextChoices):
    """Why a thread or post is hidden (``hidden_at`` set)."""

    MODERATOR = "moderator", _("Hidden by a moderator")
    FLAGS = "flags", _("Hidden after flags from members, until a moderator looks")
    REVIEW = "review", _("Waiting for a moderator's approval")


class ThreadQuerySet(models.QuerySet["Thread"]):
    def listed(self) -> ThreadQuerySet:
        """Threads that appear in lists, counts and feeds: not deleted, not hidden."""
        return self.filter(deleted_at__isnull=True, hidden_at__isnull=True)


class Thread(models.Model):
    class Kind(models.TextChoices):
        DISCUSSION = "discussion", _("Discussion")
        QUESTION = "question", _("Question")
        IDEA = "idea", _("Idea")
        ANNOUNCEMENT = "announcement", _("Announcement")

    class IdeaStatus(models.TextChoices):
        NEW = "", _("New")
        CONSIDERING = "considering", _("Under consideration")
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")
        DECLINED = "declined", _("Declined")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="threads")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.DISCUSSION)
    title = models.CharField(_("title"), max_length=200)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="threads"
    )
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="threads"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="threads", verbose_name=_("tags"))
    idea_status = models.CharField(
        _("idea status"), max_length=12, choices=IdeaStatus.choices, blank=True
    )
    accepted_post = models.ForeignKey(
        "Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(_("answer accepted on"), null=True, blank=True)
    pinned = models.BooleanField(_("pinned"), default=False)
    # Pinned by an administrator above the home page of everyone who may read it.
    pinned_globally = models.BooleanField(_("pinned for everyone"), default=False)
    locked = models.BooleanField(_("locked"), default=False)
    locked_reason = models.CharField(_("why it is locked"), max_length=300, blank=True)
    # A question closed as off-topic: no more answers, the reason shown to readers.
    closed_at = models.DateTimeField(_("closed on"), null=True, blank=True)
    close_reason = models.CharField(_("why it is closed"), max_length=300, blank=True)
    # A question closed as a duplicate: the one asked before (readers are sent there).
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    # Slow mode: each member posts at most once per this many minutes (0: off).
    slow_mode_minutes = models.PositiveSmallIntegerField(_("slow mode (minutes)"), default=0)
    # Merged into another thread: its posts moved there; its address leads there.
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Imported from elsewhere: where it lives there, and under which licence (shown with the
    # author's name, as CC BY-SA asks).
    source_url = models.URLField(_("original"), max_length=500, blank=True)
    source_license = models.CharField(_("licence"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    # Kept up to date by the services (lists sort and filter on them without joins).
    last_position = models.PositiveIntegerField(_("posts so far"), default=0)
    reply_count = models.PositiveIntegerField(_("replies"), default=0)
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    score = models.IntegerField(_("score"), default=0)
    # Deletion states (see ARCHITECTURE.md, "Deletion rules").
    deleted_at = models.DateTimeField(_("deleted by its author"), null=True, blank=True)
    hidden_at = models.DateTimeField(_("hidden by a moderator"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    hidden_reason = models.CharField(
        _("why it is hidden"), max_length=10, choices=HiddenReason.choices, blank=True
    )
    # Bumped by the database itself (triggers, see migration 0005) whenever something the
    # thread's page shows changes elsewhere: its posts, their reactions and comments, its
    # tags and links, articles captured from it, its authors' names and pictures. The page
    # cache for visitors keys on it, so a cached page is never stale.
    content_version = models.PositiveBigIntegerField(_("content version"), default=0)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        verbose_name = _("thread")
        verbose_name_plural = _("threads")
        indexes = [
            models.Index(fields=["community", "-last_activity_at"], name="thread_latest_idx"),
            models.Index(fields=["community", "kind", "-last_activity_at"], name="thread_kind_idx"),
            models.Index(fields=["community", "-score"], name="thread_top_idx"),
            # The community's list (pinned first, then latest) and its count, for listed
            # threads only: read in index order, counted from the index alone.
            models.Index(
                fields=["community", "-pinned", "-last_activity_at"],
                condition=Q(deleted_at__isnull=True, hidden_at__isnull=True),
                name="thread_listed_idx",
            ),
            # The few threads pinned above everyone's home page (read on every home page).
            models.Index(
                fields=["-last_activity_at"],
                condition=Q(pinned_globally=True),
                name="thread_pinned_everyone_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(idea_status="") | Q(kind="idea"), name="thread_idea_status_on_ideas"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Saves never write ``content_version`` back: only the database's triggers move it
        (an in-memory copy is stale as soon as another table bumps it)."""
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name != "content_version"
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("discussions:thread", args=[self.community.slug, self.pk])

    @property
    def is_question(self) -> bool:
        return self.kind == self.Kind.QUESTION

    @property
    def is_solved(self) -> bool:
        return self.accepted_post_id is not None


class PostQuerySet(models.QuerySet["Post"]):
    def visible(self) -> PostQuerySet:
        """Posts that count: not deleted by their author, not hidden."""
        return self.filter(deleted_at__isnull=True, hidden_at__isnull=True)


class Post(models.Model):
    """A message in a thread; the thread's opening post has position 1."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="posts"
    )
    position = models.PositiveIntegerField(_("position"))
    body = models.TextField(_("text"), max_length=100_000)
    body_html = models.TextField(_("text as HTML"))
    reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    attachments = models.ManyToManyField(Upload, blank=True, related_name="posts")
    source_url = models.URLField(_("original"), max_length=500, blank=True)
    source_license = models.CharField(_("licence"), max_length=40, blank=True)
    score = models.IntegerField(_("score"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted by its author"), null=True, blank=True)
    hidden_at = models.DateTimeField(_("hidden by a moderator"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    hidden_reason = models.CharField(
        _("why it is hidden"), max_length=10, choices=HiddenReason.choices, blank=True
    )

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["thread", "position"]
        constraints = [
            models.UniqueConstraint(fields=["thread", "position"], name="post_position_once"),
        ]
        indexes = [models.Index(fields=["author", "-created_at"], name="post_author_idx")]

    def __str__(self) -> str:
        return f"{self.thread} #{self.position}"

    @property
    def is_opening(self) -> bool:
        return self.position == 1

    @property
    def is_visible(self) -> bool:
        return self.deleted_at is None and self.hidden_at is None


class PostRevision(models.Model):
    """A post as it was before an edit (and the thread's title, for opening posts)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    title = models.CharField(_("title"), max_length=200, blank=True)
    body = models.TextField(_("text"), max_length=100_000)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("written at"))
    replaced_at = models.DateTimeField(_("replaced at"), default=timezone.now)

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ["-replaced_at"]

    def __str__(self) -> str:
        return f"{self.post} @ {self.replaced_at:%Y-%m-%d %H:%M}"


class Reaction(models.Model):
    class Kind(models.TextChoices):
        THUMBS_UP = "thumbs_up", "👍"
        HEART = "heart", "❤️"
        CELEBRATE = "celebrate", "🎉"
        INSIGHTFUL = "insightful", "💡"
        THANKS = "thanks", "🙏"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions"
    )
    kind = models.CharField(_("reaction"), max_length=12, choices=Kind.choices)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")
        constraints = [
            models.UniqueConstraint(fields=["post", "member", "kind"], name="reaction_once")
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.kind} {self.post}"


class Vote(models.Model):
    """A vote on a post. Imported votes may have no voter (Stack Exchange dumps keep only the
    day and the direction): they still count, so a post's score at any date can be computed."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="votes",
    )
    value = models.SmallIntegerField(_("value"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(fields=["post", "member"], name="vote_once"),
            models.CheckConstraint(condition=Q(value__in=[-1, 1]), name="vote_up_or_down"),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.value:+d} {self.post}"


class Comment(models.Model):
    """A short remark under a post (imported from Stack Exchange comments): not a reply,
    it does not count as an answer."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("text"), max_length=5000)
    body_html = models.TextField(_("text as HTML"))
    score = models.IntegerField(_("score"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    source_license = models.CharField(_("licence"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["post", "created_at"], name="comment_post_idx")]

    def __str__(self) -> str:
        return f"comment {self.pk}"


class ThreadLink(models.Model):
    """One thread points to another: a duplicate of it, or related to it."""

    class Kind(models.TextChoices):
        DUPLICATE = "duplicate", _("Duplicate of")
        RELATED = "related", _("Related to")

    source = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="links")
    target = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="linked_from")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("thread link")
        verbose_name_plural = _("thread links")
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="threadlink_once")
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class ReadState(models.Model):
    """How far a member has read a thread."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="read_states"
    )
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="read_states")
    last_read_position = models.PositiveIntegerField(_("last post read"), default=0)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("read state")
        verbose_name_plural = _("read states")
        constraints = [models.UniqueConstraint(fields=["member", "thread"], name="readstate_once")]

    def __str__(self) -> str:
        return f"{self.member} read {self.thread} to {self.last_read_position}"


class Draft(models.Model):
    """What a member was writing, saved as they type and restored when they come back.

    ``thread`` is empty for a new thread's draft (one per community), set for a reply's.
    """

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="drafts"
    )
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    body = models.TextField(_("text"), max_length=100_000, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("draft")
        verbose_name_plural = _("drafts")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "community"],
                condition=Q(thread__isnull=True),
                name="draft_new_thread_once",
            ),
            models.UniqueConstraint(
                fields=["member", "thread"],
                condition=Q(thread__isnull=False),
                name="draft_reply_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.title or self.body[:30]}"
