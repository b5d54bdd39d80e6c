"""Mentoring programmes of a community: who applied to mentor or be mentored, the pairs
the matcher proposed and coordinators published, and each pair's private relationship.

Visibility (``guilde.mentoring.permissions``): a programme is seen as its community (a draft
by its coordinators only); an application by its applicant and the programme's
coordinators; a match by coordinators, and by its pair once published; a relationship —
goals, check-ins and their notes, resources, feedback — by its pair only: coordinators see
counts per status, administrators' pages do not list its notes, and no search, export of
others or API reaches them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guilde.communities.models import Community, Tag

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Weekly slots an applicant is free, in their own time zone: (key, first hour, hours).
PERIODS = (("morning", 9, 3), ("midday", 12, 3), ("afternoon", 15, 3), ("evening", 18, 3))
SLOTS = tuple(f"{day}-{period}" for day in DAYS for period, _start, _hours in PERIODS)


class Programme(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open for applications")
        MATCHING = "matching", _("Matching")
        RUNNING = "running", _("Running")
        CLOSED = "closed", _("Closed")

    class OrganisationRule(models.TextChoices):
        ANY = "", _("No rule")
        PREFER = "prefer", _("Prefer the same organisation")
        REQUIRE = "require", _("Require the same organisation")
        FORBID = "forbid", _("Forbid the same organisation")

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="mentoring_programmes"
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), max_length=20_000, blank=True)
    description_html = models.TextField(_("description as HTML"), blank=True)
    goals = models.TextField(_("goals"), max_length=5_000, blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    applications_close = models.DateField(_("applications close"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # The matching criteria's weights (0 leaves a criterion out) and the hard rules.
    weight_skills = models.PositiveSmallIntegerField(
        _("weight of skills"), default=3, validators=[MaxValueValidator(10)]
    )
    weight_time_zone = models.PositiveSmallIntegerField(
        _("weight of time zones"), default=1, validators=[MaxValueValidator(10)]
    )
    weight_availability = models.PositiveSmallIntegerField(
        _("weight of availability"), default=1, validators=[MaxValueValidator(10)]
    )
    weight_organisation = models.PositiveSmallIntegerField(
        _("weight of the same organisation"), default=1, validators=[MaxValueValidator(10)]
    )
    organisation_rule = models.CharField(
        _("organisation rule"),
        max_length=8,
        choices=OrganisationRule.choices,
        default=OrganisationRule.ANY,
        blank=True,
    )
    max_capacity = models.PositiveSmallIntegerField(
        _("most mentees per mentor"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    threshold = models.FloatField(
        _("lowest score for a pair"),
        default=0.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
    )
    coverage = models.BooleanField(
        _("favour coverage"),
        default=False,
        help_text=_("Give as many mentees as possible a mentor, then the best scores."),
    )
    check_in_weeks = models.PositiveSmallIntegerField(
        _("weeks without a check-in before a nudge"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(26)],
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    matched_at = models.DateTimeField(_("last matched"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("mentoring programme")
        verbose_name_plural = _("mentoring programmes")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold__gte=0.0) & Q(threshold__lte=1.0),
                name="programme_threshold_range",
            ),
            models.CheckConstraint(
                condition=Q(max_capacity__gte=1), name="programme_capacity_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("mentoring:programme", args=[self.community.slug, self.pk])

    @property
    def accepts_applications(self) -> bool:
        if self.status != self.Status.OPEN:
            return False
        return self.applications_close is None or timezone.localdate() <= self.applications_close

    @property
    def weights(self) -> dict[str, float]:
        return {
            "skills": float(self.weight_skills),
            "time_zone": float(self.weight_time_zone),
            "availability": float(self.weight_availability),
            "organisation": float(self.weight_organisation),
        }


class Application(models.Model):
    class Role(models.TextChoices):
        MENTOR = "mentor", _("Mentor")
        MENTEE = "mentee", _("Mentee")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="applications")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentoring_applications"
    )
    role = models.CharField(_("role"), max_length=6, choices=Role.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    # Mentors: the topics they offer; mentees: the topics they want to learn.
    skills = models.ManyToManyField(
        Tag, blank=True, related_name="mentoring_applications", verbose_name=_("topics")
    )
    capacity = models.PositiveSmallIntegerField(
        _("mentees at most"), default=1, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    languages = models.JSONField(_("languages"), default=list, blank=True)
    availability = models.JSONField(_("availability"), default=list, blank=True)
    goals = models.TextField(_("goals"), max_length=5_000, blank=True)
    learning = models.TextField(_("what I want to learn myself"), max_length=5_000, blank=True)
    preferences = models.TextField(_("preferences"), max_length=5_000, blank=True)
    avoid = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        verbose_name=_("people to avoid"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("mentoring application")
        verbose_name_plural = _("mentoring applications")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "member", "role"], name="application_once_per_role"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="application_capacity"),
        ]

    def __str__(self) -> str:
        return f"{self.member} ({self.role}) in {self.programme}"

    @property
    def is_mentor(self) -> bool:
        return self.role == self.Role.MENTOR


class Match(models.Model):
    """A pair: proposed by the matcher (or a coordinator), published, answered by both."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        PUBLISHED = "published", _("Waiting for answers")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    class Answer(models.TextChoices):
        PENDING = "", _("No answer yet")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="matches")
    mentee = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="as_mentee")
    mentor = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="as_mentor")
    score = models.FloatField(_("score"), default=0.0)
    breakdown = models.JSONField(_("score by criterion"), default=dict, blank=True)
    locked = models.BooleanField(_("locked"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    mentee_answer = models.CharField(
        _("mentee's answer"), max_length=8, choices=Answer.choices, blank=True
    )
    mentor_answer = models.CharField(
        _("mentor's answer"), max_length=8, choices=Answer.choices, blank=True
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("mentoring match")
        verbose_name_plural = _("mentoring matches")
        ordering = ["-score", "pk"]
        constraints = [
            # A mentee has one pair at a time; declined ones stay, so as not to propose
            # them again.
            models.UniqueConstraint(
                fields=["mentee"],
                condition=~Q(status="declined"),
                name="match_one_per_mentee",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mentor.member} → {self.mentee.member}"

    def side_of(self, member_id: int | None) -> str:
        if member_id == self.mentee.member_id:
            return "mentee"
        if member_id == self.mentor.member_id:
            return "mentor"
        return ""


class Relationship(models.Model):
    """A pair that both accepted: their private space."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        FINISHED = "finished", _("Finished")

    match = models.OneToOneField(Match, on_delete=models.CASCADE, related_name="relationship")
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="relationships")
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentoring_given"
    )
    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentoring_received"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    last_check_in_at = models.DateTimeField(_("last check-in"), null=True, blank=True)
    nudged_at = models.DateTimeField(_("last nudged"), null=True, blank=True)

    class Meta:
        verbose_name = _("mentoring relationship")
        verbose_name_plural = _("mentoring relationships")
        ordering = ["-started_at", "pk"]

    def __str__(self) -> str:
        return f"{self.mentor} → {self.mentee}"

    def get_absolute_url(self) -> str:
        return reverse("mentoring:relationship", args=[self.pk])

    def has_member(self, member_id: int | None) -> bool:
        return member_id is not None and member_id in (self.mentor_id, self.mentee_id)


class Goal(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    relationship = models.ForeignKey(Relationship, on_delete=models.CASCADE, related_name="goals")
    title = models.CharField(_("goal"), max_length=300)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("mentoring goal")
        verbose_name_plural = _("mentoring goals")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.title


class CheckIn(models.Model):
    """A meeting of the pair. Its notes are the pair's alone."""

    relationship = models.ForeignKey(
        Relationship, on_delete=models.CASCADE, related_name="check_ins"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    held_on = models.DateField(_("date"))
    notes = models.TextField(_("private notes"), max_length=20_000, blank=True)
    next_steps = models.TextField(_("next steps"), max_length=5_000, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"check-in {self.held_on}"


class Resource(models.Model):
    """Something one of the pair suggests: an article, a learning path or an event of the
    programme's community, or a link."""

    relationship = models.ForeignKey(
        Relationship, on_delete=models.CASCADE, related_name="resources"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    article = models.ForeignKey(
        "knowledge.Article", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    path = models.ForeignKey(
        "knowledge.LearningPath",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    event = models.ForeignKey(
        "events.Event", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    url = models.URLField(_("address"), max_length=500, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("suggested resource")
        verbose_name_plural = _("suggested resources")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(article__isnull=False, path__isnull=True, event__isnull=True, url="")
                | Q(article__isnull=True, path__isnull=False, event__isnull=True, url="")
                | Q(article__isnull=True, path__isnull=True, event__isnull=False, url="")
                | (Q(article__isnull=True, path__isnull=True, event__isnull=True) & ~Q(url="")),
                name="resource_one_target",
            )
        ]

    def __str__(self) -> str:
        return self.title or str(self.article or self.path or self.event or self.url)

    @property
    def target(self) -> object:
        return self.article or self.path or self.event

    @property
    def link(self) -> str:
        target = self.article or self.path or self.event
        return target.get_absolute_url() if target is not None else self.url


class Feedback(models.Model):
    """End-of-programme feedback from one side of a pair."""

    relationship = models.ForeignKey(
        Relationship, on_delete=models.CASCADE, related_name="feedback"
    )
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), max_length=5_000, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("mentoring feedback")
        verbose_name_plural = _("mentoring feedback")
        constraints = [
            models.UniqueConstraint(
                fields=["relationship", "member"], name="mentoring_feedback_once"
            ),
            models.CheckConstraint(
                condition=Q(rating__gte=1) & Q(rating__lte=5), name="mentoring_rating_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.rating}"
