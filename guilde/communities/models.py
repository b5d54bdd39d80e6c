"""Communities of practice, their members and roles, their topics and invitations."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guilde.accounts.models import Organisation


class CommunityQuerySet(models.QuerySet["Community"]):
    def existing(self) -> CommunityQuerySet:
        """Not deleted (pending, active and archived communities)."""
        return self.exclude(status=Community.Status.DELETED)


class Community(models.Model):
    """A community of practice: a domain, the people who share it, their practice.

    Visibility:

    - ``public``: anyone reads it.
    - ``private``: anyone sees its name, domain and description (so people can ask to join);
      only members see its members and content.
    - ``hidden``: only members know it exists; everyone else gets a 404, it is absent from
      the directory, and people join by invitation only.
    """

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public: anyone can read")
        PRIVATE = "private", _("Private: only members read; anyone sees that it exists")
        HIDDEN = "hidden", _("Hidden: only members know it exists")

    class JoinPolicy(models.TextChoices):
        OPEN = "open", _("Open: anyone signed in joins")
        APPROVAL = "approval", _("On request, approved by a coordinator or moderator")
        INVITATION = "invitation", _("By invitation only")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an administrator's approval")
        ACTIVE = "active", _("Active")
        ARCHIVED = "archived", _("Archived (read-only)")
        DELETED = "deleted", _("Deleted")

    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        FRENCH = "fr", _("French")

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    domain = models.CharField(
        _("domain"),
        max_length=300,
        help_text=_("The shared concern, in one sentence: what this community is about."),
    )
    description = models.TextField(_("description"), max_length=10000, blank=True)
    charter = models.TextField(_("charter and code of conduct"), max_length=20000, blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.ENGLISH
    )
    visibility = models.CharField(
        _("visibility"), max_length=8, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    join_policy = models.CharField(
        _("joining"), max_length=10, choices=JoinPolicy.choices, default=JoinPolicy.OPEN
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE
    )
    newcomer_days = models.PositiveSmallIntegerField(
        _("newcomer period (days)"),
        default=30,
        help_text=_("Members count as newcomers for this many days after joining."),
    )
    organisations = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="communities",
        verbose_name=_("organisations involved"),
    )
    related = models.ManyToManyField(
        "self", blank=True, symmetrical=True, verbose_name=_("related communities")
    )
    # Moderation: open flags (off-topic, inappropriate, spam) from this many members hide a
    # post until a moderator looks (0: never); newcomers' first posts wait for approval.
    flag_threshold = models.PositiveSmallIntegerField(_("flags that hide a post"), default=3)
    review_first_posts = models.BooleanField(
        _("newcomers' first posts wait for a moderator"), default=False
    )
    # Knowledge: how long a steward's verification of an article holds; whether members'
    # changes to published articles go through a steward's review.
    verification_days = models.PositiveSmallIntegerField(
        _("verification holds (days)"), default=180
    )
    review_article_changes = models.BooleanField(
        _("members' changes to articles wait for a steward"), default=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["name"]
        constraints = [
            # Nobody could find a hidden community to ask to join it.
            models.CheckConstraint(
                condition=~Q(visibility="hidden") | Q(join_policy="invitation"),
                name="community_hidden_joins_by_invitation",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def member_count(self) -> int:
        """Active members (from the shared cache: communities.selectors)."""
        from guilde.communities.selectors import active_member_counts

        return active_member_counts().get(self.pk, 0)

    @property
    def is_archived(self) -> bool:
        return self.status == self.Status.ARCHIVED


class Tag(models.Model):
    """A topic of a community's domain; threads and articles are tagged from this list."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(_("name"), max_length=50)
    slug = models.SlugField(_("short name"), max_length=60, allow_unicode=True)
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "slug"], name="tag_once_per_community")
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A member's place in a community: a request waiting, or a role."""

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Coordinator")
        MODERATOR = "moderator", _("Moderator")
        MEMBER = "member", _("Member")

    class Status(models.TextChoices):
        PENDING = "pending", _("Asked to join")
        ACTIVE = "active", _("Member")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE
    )
    message = models.TextField(_("message"), max_length=2000, blank=True)
    requested_at = models.DateTimeField(_("asked on"), default=timezone.now)
    joined_at = models.DateTimeField(_("joined on"), null=True, blank=True)
    # A suspension: the member still reads, but neither posts, reacts nor votes here.
    # ``suspended_until`` empty while ``suspended_at`` is set: until lifted.
    suspended_at = models.DateTimeField(_("suspended on"), null=True, blank=True)
    suspended_until = models.DateTimeField(_("suspended until"), null=True, blank=True)
    suspension_reason = models.TextField(
        _("reason for the suspension"), max_length=2000, blank=True
    )
    # A knowledge steward (coordinators are stewards anyway): reviews and verifies articles.
    steward = models.BooleanField(_("knowledge steward"), default=False)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["community", "member"], name="membership_once"),
            models.CheckConstraint(
                condition=Q(status="pending", joined_at__isnull=True)
                | Q(status="active", joined_at__isnull=False),
                name="membership_joined_when_active",
            ),
        ]
        indexes = [models.Index(fields=["member", "status"], name="membership_member_idx")]

    def __str__(self) -> str:
        return f"{self.member} in {self.community} ({self.role})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def is_suspended(self, now: datetime | None = None) -> bool:
        if self.suspended_at is None:
            return False
        return self.suspended_until is None or self.suspended_until > (now or timezone.now())

    def is_newcomer(self, now: datetime | None = None) -> bool:
        if self.joined_at is None:
            return False
        moment = now or timezone.now()
        return moment - self.joined_at < timedelta(days=self.community.newcomer_days)


class CommunityInvitation(models.Model):
    """An invitation to join a community, by e-mail, also to people without an account."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(
        _("role"), max_length=12, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("community invitation")
        verbose_name_plural = _("community invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.community}"

    def is_open(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()


class CreationPolicy(models.Model):
    """Who may create communities on this instance (one row, set by administrators)."""

    class Who(models.TextChoices):
        ANY_MEMBER = "members", _("Any member")
        ORGANISATIONS = "organisations", _("Members of the organisations listed")
        ADMINISTRATORS = "administrators", _("Administrators only")

    who = models.CharField(
        _("who may create communities"), max_length=16, choices=Who.choices, default=Who.ANY_MEMBER
    )
    organisations = models.ManyToManyField(
        Organisation, blank=True, related_name="+", verbose_name=_("organisations allowed")
    )
    requires_approval = models.BooleanField(
        _("an administrator approves new communities"), default=False
    )

    class Meta:
        verbose_name = _("community creation policy")
        verbose_name_plural = _("community creation policy")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="creationpolicy_single")]

    def __str__(self) -> str:
        return str(_("Community creation policy"))

    @classmethod
    def current(cls) -> CreationPolicy:
        found, _created = cls.objects.get_or_create(pk=1)
        return found


class ModerationLogEntry(models.Model):
    """The audit log: every moderation action — who, when, why, on what.

    Kept in this app so that discussions, communities and moderation all write to it;
    threads and posts are named by kind, id and a snapshot of their title (the log outlives
    them). Coordinators see their community's entries; administrators see all.
    """

    class Action(models.TextChoices):
        POST_HIDE = "post_hide", _("Hid a post")
        POST_RESTORE = "post_restore", _("Restored a post")
        POST_EDIT = "post_edit", _("Edited someone's post")
        POST_PURGE = "post_purge", _("Erased a post")
        POST_APPROVE = "post_approve", _("Approved a post held for review")
        POST_REJECT = "post_reject", _("Rejected a post held for review")
        FLAGS_AGREE = "flags_agree", _("Agreed with flags")
        FLAGS_DISAGREE = "flags_disagree", _("Disagreed with flags")
        AUTO_HIDE = "auto_hide", _("Post hidden by flags")
        THREAD_LOCK = "thread_lock", _("Locked a thread")
        THREAD_UNLOCK = "thread_unlock", _("Unlocked a thread")
        THREAD_PIN = "thread_pin", _("Pinned a thread")
        THREAD_UNPIN = "thread_unpin", _("Unpinned a thread")
        THREAD_PIN_GLOBALLY = "thread_pin_global", _("Pinned a thread for everyone")
        THREAD_UNPIN_GLOBALLY = "thread_unpin_global", _("Unpinned a thread for everyone")
        THREAD_MOVE = "thread_move", _("Moved a thread")
        THREAD_MERGE = "thread_merge", _("Merged threads")
        THREAD_SPLIT = "thread_split", _("Split replies into a new thread")
        THREAD_CLOSE = "thread_close", _("Closed a question as off-topic")
        THREAD_REOPEN = "thread_reopen", _("Reopened a question")
        THREAD_DUPLICATE = "thread_duplicate", _("Closed a question as a duplicate")
        THREAD_SLOW_MODE = "thread_slow_mode", _("Set slow mode")
        MEMBER_SUSPEND = "member_suspend", _("Suspended a member")
        MEMBER_UNSUSPEND = "member_unsuspend", _("Lifted a suspension")
        MEMBER_SILENCE = "member_silence", _("Silenced a member")
        MEMBER_UNSILENCE = "member_unsilence", _("Lifted a silence")
        MEMBER_WARN = "member_warn", _("Warned a member")
        APPEAL_UPHOLD = "appeal_uphold", _("Upheld a decision on appeal")
        APPEAL_OVERTURN = "appeal_overturn", _("Overturned a decision on appeal")

    community = models.ForeignKey(
        Community, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Empty: the platform itself (e.g. flags reaching the threshold).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=24, choices=Action.choices)
    target_type = models.CharField(_("on"), max_length=12)  # thread, post, member, appeal
    target_id = models.PositiveBigIntegerField(_("id"), null=True, blank=True)
    target_label = models.CharField(_("what"), max_length=200, blank=True)
    # The member the action concerns (a post's author, the suspended member...).
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("reason"), max_length=2000, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("moderation log entry")
        verbose_name_plural = _("moderation log")
        indexes = [
            models.Index(fields=["community", "-created_at"], name="modlog_community_idx"),
            models.Index(fields=["-created_at"], name="modlog_latest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type} {self.target_id}"
