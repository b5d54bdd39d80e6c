"""Members, their profiles, organisations, skills, tokens, and the instance's sign-up rules."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guilde.core.zones import known_zones


class Visibility(models.TextChoices):
    """Who may see a profile field."""

    EVERYONE = "everyone", _("Everyone")
    COMMUNITIES = "communities", _("Members of my communities")
    PRIVATE = "private", _("Only me")


# Profile fields whose visibility the member chooses, and the level each starts at.
VISIBLE_FIELDS: dict[str, Visibility] = {
    "avatar": Visibility.EVERYONE,
    "bio": Visibility.EVERYONE,
    "organisations": Visibility.EVERYONE,
    "location": Visibility.COMMUNITIES,
    "time_zone": Visibility.COMMUNITIES,
    "languages": Visibility.EVERYONE,
    "skills": Visibility.EVERYONE,
    "interests": Visibility.EVERYONE,
    "learning_goals": Visibility.COMMUNITIES,
    "availability": Visibility.EVERYONE,
}


def validate_time_zone(value: str) -> None:
    if value and value not in known_zones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


def validate_language_code(value: str) -> None:
    from django.conf.locale import LANG_INFO

    if value not in LANG_INFO:
        raise ValidationError(_("%(value)s is not a known language code."), params={"value": value})


class MemberQuerySet(models.QuerySet["User"]):
    def real(self) -> MemberQuerySet:
        """People who can sign in: no placeholders, no deleted accounts."""
        return self.filter(is_placeholder=False, deleted_at__isnull=True, is_active=True)

    def placeholders(self) -> MemberQuerySet:
        return self.filter(is_placeholder=True)


class MemberManager(UserManager["User"]):
    def get_queryset(self) -> MemberQuerySet:
        return MemberQuerySet(self.model, using=self._db)

    def real(self) -> MemberQuerySet:
        return self.get_queryset().real()

    def placeholders(self) -> MemberQuerySet:
        return self.get_queryset().placeholders()


class User(AbstractUser):
    """A member: the account and the profile others see.

    Names are one free ``display_name`` (people's names do not split into first and last
    everywhere). ``field_visibility`` maps each field of :data:`VISIBLE_FIELDS` to a
    :class:`Visibility`; missing keys take the field's default.
    """

    first_name = None  # type: ignore[assignment]  # replaced by display_name
    last_name = None  # type: ignore[assignment]

    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    bio = models.TextField(_("about me"), max_length=4000, blank=True)
    location = models.CharField(_("location"), max_length=150, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, validators=[validate_time_zone]
    )
    open_to_questions = models.BooleanField(_("open to questions"), default=False)
    open_to_mentor = models.BooleanField(_("open to mentoring"), default=False)
    avatar = models.FileField(_("avatar"), upload_to="avatars/", blank=True, max_length=255)
    field_visibility = models.JSONField(_("who sees each field"), default=dict, blank=True)
    language = models.CharField(
        _("interface language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("The interface language; empty means the browser's language."),
    )
    analytics_consent = models.BooleanField(
        _("may appear by name in community analytics"),
        default=False,
        help_text=_("Without it, analytics count you without naming you."),
    )

    # Placeholder members are created by imports; nobody signs in as them until claimed.
    is_placeholder = models.BooleanField(_("placeholder"), default=False)
    import_source = models.CharField(_("imported from"), max_length=100, blank=True)
    import_key = models.CharField(_("identifier at the source"), max_length=100, blank=True)
    # SHA-256 of an e-mail address the import knew for this person: a member who verifies
    # that address claims the placeholder without waiting for an administrator.
    claim_email_digest = models.CharField(_("claim e-mail digest"), max_length=64, blank=True)

    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)

    class MessagesFrom(models.TextChoices):
        COMMUNITIES = "communities", _("Members who share a community with me")
        ANYONE = "anyone", _("Any member")

    messages_from = models.CharField(
        _("who may send me direct messages"),
        max_length=12,
        choices=MessagesFrom.choices,
        default=MessagesFrom.COMMUNITIES,
    )
    # Silenced by an administrator: reads everything, writes nothing anywhere (posts,
    # reactions, votes, direct messages). ``silenced_until`` empty: until lifted.
    silenced_at = models.DateTimeField(_("silenced on"), null=True, blank=True)
    silenced_until = models.DateTimeField(_("silenced until"), null=True, blank=True)
    silence_reason = models.TextField(_("reason for the silence"), max_length=2000, blank=True)

    objects: ClassVar[MemberManager] = MemberManager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(
                fields=["import_source", "import_key"],
                condition=~Q(import_source=""),
                name="member_import_key_unique",
            ),
        ]
        # The directory's order and its time zone filter.
        indexes = [
            models.Index(fields=["display_name", "username"], name="member_name_idx"),
            models.Index(fields=["time_zone"], name="member_time_zone_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The member's time zone, or the site's when they have not chosen one."""
        try:
            return zoneinfo.ZoneInfo(self.time_zone or settings.TIME_ZONE)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo(settings.TIME_ZONE)

    @property
    def name(self) -> str:
        """What others call this member."""
        if self.deleted_at is not None:
            return str(_("Deleted member"))
        return self.display_name or self.username

    def is_silenced(self, now: datetime | None = None) -> bool:
        if self.silenced_at is None:
            return False
        return self.silenced_until is None or self.silenced_until > (now or timezone.now())

    @property
    def initials(self) -> str:
        words = [word for word in self.name.replace("-", " ").split() if word[:1].isalnum()]
        letters = "".join(word[0] for word in words[:2]) or self.username[:1]
        return letters.upper()

    def visibility_of(self, field: str) -> Visibility:
        default = VISIBLE_FIELDS[field]
        value = (self.field_visibility or {}).get(field, default)
        try:
            return Visibility(value)
        except ValueError:
            return default


class Block(models.Model):
    """``blocker`` blocks ``blocked``: no messages, no mentions, their posts folded away."""

    blocker = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks")
    blocked = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocked_by")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_once"),
            models.CheckConstraint(
                condition=~Q(blocker=models.F("blocked")), name="block_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.blocker} blocks {self.blocked}"


class InstanceSettings(models.Model):
    """Settings administrators change at run time (one row)."""

    class Registration(models.TextChoices):
        OPEN = "open", _("Open: anyone may sign up")
        DOMAINS = "domains", _("Only addresses at the listed e-mail domains")
        INVITATION = "invitation", _("By invitation only")

    registration_mode = models.CharField(
        _("registration"), max_length=16, choices=Registration.choices, default=Registration.OPEN
    )
    allowed_email_domains = models.JSONField(
        _("allowed e-mail domains"),
        default=list,
        blank=True,
        help_text=_('For example ["example.org", "partner.fr"].'),
    )

    class Meta:
        verbose_name = _("instance settings")
        verbose_name_plural = _("instance settings")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="instancesettings_single")]

    def __str__(self) -> str:
        return str(_("Instance settings"))

    @classmethod
    def current(cls) -> InstanceSettings:
        found, _created = cls.objects.get_or_create(pk=1)
        return found

    def allows_email(self, email: str) -> bool:
        if self.registration_mode != self.Registration.DOMAINS:
            return True
        domain = email.rsplit("@", 1)[-1].lower()
        return domain in {d.lower().lstrip("@") for d in self.allowed_email_domains}


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    website = models.URLField(_("website"), blank=True)
    logo = models.FileField(_("logo"), upload_to="logos/", blank=True, max_length=255)
    email_domains = models.JSONField(
        _("e-mail domains"),
        default=list,
        blank=True,
        help_text=_("Members with a verified address at one of these domains are confirmed."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Affiliation(models.Model):
    """A member belongs to an organisation, self-declared or confirmed."""

    class Confirmation(models.TextChoices):
        NONE = "", _("Self-declared")
        DOMAIN = "domain", _("Confirmed by e-mail domain")
        ADMIN = "admin", _("Confirmed by an administrator")
        SSO = "sso", _("Confirmed by single sign-on")

    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="affiliations")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="affiliations"
    )
    role = models.CharField(_("role there"), max_length=150, blank=True)
    confirmed_by = models.CharField(
        _("confirmation"), max_length=8, choices=Confirmation.choices, blank=True
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        constraints = [
            models.UniqueConstraint(fields=["member", "organisation"], name="affiliation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.member} @ {self.organisation}"

    @property
    def confirmed(self) -> bool:
        return bool(self.confirmed_by)


class Skill(models.Model):
    """A term of the shared vocabulary of skills, interests and learning goals.

    Members enter terms freely; administrators merge duplicates (``merged_into``), after
    which the old term points to the one kept and is no longer offered.
    """

    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("short name"), max_length=90, unique=True, allow_unicode=True)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged",
        verbose_name=_("merged into"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MemberSkill(models.Model):
    class Kind(models.TextChoices):
        SKILL = "skill", _("Skill")
        INTEREST = "interest", _("Interest")
        LEARNING = "learning", _("Learning goal")

    class Level(models.TextChoices):
        """How far a member says they are with a skill (skills only)."""

        LEARNING = "learning", _("Learning")
        PRACTISING = "practising", _("Practising")
        EXPERT = "expert", _("Expert")

    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="member_skills")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="member_skills")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, blank=True)

    class Meta:
        verbose_name = _("member skill")
        verbose_name_plural = _("member skills")
        constraints = [
            models.UniqueConstraint(fields=["member", "skill", "kind"], name="memberskill_once"),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.skill} ({self.kind})"


class MemberLanguage(models.Model):
    """A language a member speaks (an ISO 639 code as Django knows it)."""

    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="spoken_languages")
    code = models.CharField(_("language"), max_length=12, validators=[validate_language_code])

    class Meta:
        verbose_name = _("language spoken")
        verbose_name_plural = _("languages spoken")
        constraints = [
            models.UniqueConstraint(fields=["member", "code"], name="memberlanguage_once"),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.code}"


class PersonalAccessToken(models.Model):
    """A bearer token for the API. Only its SHA-256 digest is stored; it is shown once."""

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Read and write")

    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(_("scope"), max_length=5, choices=Scope.choices, default=Scope.READ)
    prefix = models.CharField(_("first characters"), max_length=12)
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("personal access token")
        verbose_name_plural = _("personal access tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now: Any = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class Invitation(models.Model):
    """An invitation to join the instance (needed when registration is by invitation)."""

    email = models.EmailField(_("e-mail address"))
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return self.email

    def is_open(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()


class DataExport(models.Model):
    """A member's download of all their data, built by the worker."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="data_exports")
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    file = models.FileField(_("file"), upload_to="exports/", blank=True, max_length=255)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.member} {self.created_at:%Y-%m-%d}"


class ClaimRequest(models.Model):
    """A member asks to become an imported placeholder member (their past contributions)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    claimant = models.ForeignKey(User, on_delete=models.CASCADE, related_name="claims")
    # Kept after an approved claim merges the placeholder away, as the record of it.
    placeholder = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="claims_on"
    )
    placeholder_label = models.CharField(_("imported member"), max_length=200)
    message = models.TextField(_("message"), max_length=2000, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("claim request")
        verbose_name_plural = _("claim requests")
        constraints = [
            models.UniqueConstraint(
                fields=["claimant", "placeholder"],
                condition=Q(status="pending"),
                name="claimrequest_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claimant} → {self.placeholder_label}"


def member_display(user: User) -> str:
    """How allauth names a member in its pages and mails."""
    return user.name


# Single sign-on (docs/sso.md) --------------------------------------------------------------


class IdentityProvider(models.Model):
    """What a single sign-on provider means here: an allauth app (OpenID Connect or SAML),
    named by its ``provider_id``, stands for an organisation.

    The app itself (server address, client id and secret) lives where allauth keeps it: a
    "social application" in the admin or ``GUILDE_OIDC_PROVIDERS`` in the environment.
    """

    provider_id = models.SlugField(
        _("provider id"),
        max_length=100,
        unique=True,
        help_text=_("The provider id of the social application (for example “acme”)."),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="identity_providers",
        verbose_name=_("organisation"),
        help_text=_("People who sign in through this provider are confirmed members of it."),
    )
    groups_claim = models.CharField(
        _("groups claim"),
        max_length=100,
        default="groups",
        blank=True,
        help_text=_("The claim (or SAML attribute) listing the person's groups."),
    )
    allow_signup = models.BooleanField(
        _("create accounts at first sign-in"),
        default=True,
        help_text=_(
            "People who sign in through this provider get an account even when "
            "registration is by invitation or limited to some domains."
        ),
    )
    password_disabled_domains = models.JSONField(
        _("e-mail domains that must use this provider"),
        default=list,
        blank=True,
        help_text=_(
            'For example ["acme.example"]: members with an address there cannot sign in '
            "or reset a password with a password."
        ),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("identity provider")
        verbose_name_plural = _("identity providers")
        ordering = ["provider_id"]

    def __str__(self) -> str:
        return self.provider_id


class IdentityProviderGroupRole(models.Model):
    """Members of ``group`` at the provider hold ``role`` in ``community``."""

    class Role(models.TextChoices):
        # The values of communities.Membership.Role (accounts does not import communities).
        COORDINATOR = "coordinator", _("Coordinator")
        MODERATOR = "moderator", _("Moderator")
        MEMBER = "member", _("Member")

    provider = models.ForeignKey(
        IdentityProvider, on_delete=models.CASCADE, related_name="group_roles"
    )
    group = models.CharField(_("group at the provider"), max_length=200)
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("community"),
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        verbose_name = _("group role")
        verbose_name_plural = _("group roles")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "group", "community"], name="idp_group_role_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} → {self.role} @ {self.community_id}"
