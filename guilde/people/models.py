"""What members say about each other and about themselves as experts: endorsements of
declared skills, topics hidden from a profile, whether to be suggested or asked to answer,
whom they follow, and the requests to answer a question they received."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guilde.accounts.models import MemberSkill
from guilde.communities.models import Community, Tag
from guilde.discussions.models import Thread


class Endorsement(models.Model):
    """ "I have seen them do this": one member vouching for another's declared skill. It
    goes with the skill when its owner removes it."""

    endorser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="endorsements_given"
    )
    member_skill = models.ForeignKey(
        MemberSkill, on_delete=models.CASCADE, related_name="endorsements"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("endorsement")
        verbose_name_plural = _("endorsements")
        constraints = [
            models.UniqueConstraint(
                fields=["endorser", "member_skill"], name="endorsement_once_per_endorser"
            )
        ]

    def __str__(self) -> str:
        return f"{self.endorser_id} → {self.member_skill}"


class PeoplePreferences(models.Model):
    """A member's choices about being found; no row means the defaults."""

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="people_preferences",
    )
    suggest = models.BooleanField(
        _("suggest me"),
        default=True,
        help_text=_(
            "Show me in “who knows about…”, “people who could answer” and “people to meet”."
        ),
    )
    answer_requests = models.BooleanField(
        _("requests to answer"),
        default=True,
        help_text=_("Let members ask me to answer a question."),
    )

    class Meta:
        verbose_name = _("people preferences")
        verbose_name_plural = _("people preferences")

    def __str__(self) -> str:
        return str(self.member_id)


class HiddenTopic(models.Model):
    """A topic (a tag's short name, in any community) a member hides from their profile;
    they are not suggested for it either."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hidden_topics"
    )
    slug = models.CharField(_("topic"), max_length=60)

    class Meta:
        verbose_name = _("hidden topic")
        verbose_name_plural = _("hidden topics")
        constraints = [models.UniqueConstraint(fields=["member", "slug"], name="hidden_topic_once")]
        indexes = [models.Index(fields=["slug"], name="hidden_topic_slug_idx")]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.slug}"


class Follow(models.Model):
    """``follower`` sees ``followed``'s visible activity in their feed."""

    follower = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="following"
    )
    followed = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followers"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            models.UniqueConstraint(fields=["follower", "followed"], name="follow_once"),
            models.CheckConstraint(condition=~Q(follower=F("followed")), name="follow_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.follower_id} → {self.followed_id}"


class AnswerRequest(models.Model):
    """``asker`` asked ``member`` to answer ``thread`` (once per member and question)."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="answer_requests")
    asker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="answer_requests_sent"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="answer_requests"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("request to answer")
        verbose_name_plural = _("requests to answer")
        constraints = [
            models.UniqueConstraint(fields=["thread", "member"], name="answer_request_once")
        ]
        indexes = [models.Index(fields=["asker", "-created_at"], name="answer_request_asker_idx")]

    def __str__(self) -> str:
        return f"{self.asker_id} asked {self.member_id} about {self.thread_id}"


class EvidenceSnapshot(models.Model):
    """When the stored evidence was computed, and the question counts its tag weights
    need (``questions``: community id -> questions asked; ``tagged``: tag id -> questions
    with that tag)."""

    computed_at = models.DateTimeField(_("computed at"))
    # Rows are written in many short transactions (writers must not wait for a whole
    # refresh); readers use the latest complete snapshot.
    complete = models.BooleanField(_("complete"), default=False)
    questions = models.JSONField(_("questions per community"), default=dict)
    tagged = models.JSONField(_("questions per tag"), default=dict)

    class Meta:
        verbose_name = _("evidence snapshot")
        verbose_name_plural = _("evidence snapshots")

    def __str__(self) -> str:
        return str(self.computed_at)


class Evidence(models.Model):
    """Sums over answers, articles, events and mentoring: ``strength`` adds their quality ×
    recency (guilde.people.expertise)."""

    snapshot = models.ForeignKey(EvidenceSnapshot, on_delete=models.CASCADE, related_name="+")
    answers = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    upvotes = models.PositiveIntegerField(default=0)
    articles = models.PositiveIntegerField(default=0)
    verified = models.PositiveIntegerField(default=0)
    # Events the member hosted or spoke at (a series counts once).
    events = models.PositiveIntegerField(default=0)
    # Mentees the member mentored (mentoring relationships started).
    mentored = models.PositiveIntegerField(default=0)
    strength = models.FloatField(default=0.0)
    last_at = models.DateTimeField(null=True)

    class Meta:
        abstract = True


class ActivityEvidence(Evidence):
    """A member's answers and articles in a community, as of the snapshot: ``strength``
    sums their quality × recency (guilde.people.expertise)."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("activity evidence")
        verbose_name_plural = _("activity evidence")
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "community", "member"], name="activity_evidence_once"
            )
        ]
        indexes = [models.Index(fields=["snapshot", "member"], name="activity_evidence_member_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} in {self.community_id}"


class TopicEvidence(Evidence):
    """A member's answers and articles on a tag, as of the snapshot; ``activity``: the
    strength of all their evidence in the tag's community (ActivityEvidence's), copied
    here so that a ranking reads one table."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    activity = models.FloatField(default=0.0)

    class Meta:
        verbose_name = _("topic evidence")
        verbose_name_plural = _("topic evidence")
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "tag", "member"], name="topic_evidence_once"
            )
        ]
        indexes = [models.Index(fields=["snapshot", "member"], name="topic_evidence_member_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} on {self.tag_id}"
