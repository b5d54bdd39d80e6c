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
