"""Changes members make about expertise and each other: skill levels, endorsements,
preferences about being found, follows, and requests to answer a question."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from guilde.accounts.models import Block, MemberSkill, User
from guilde.accounts.visibility import VisibilityContext
from guilde.communities.selectors import with_viewer_membership
from guilde.core.permissions import can
from guilde.discussions.models import Thread
from guilde.notifications.models import Kind
from guilde.notifications.services import notify
from guilde.people.models import (
    AnswerRequest,
    Endorsement,
    Follow,
    HiddenTopic,
    PeoplePreferences,
)

# A member asks at most this many people to answer in a day, at most this many for one
# question; a member receives at most this many requests in a day.
ASKS_PER_DAY = 10
ASKS_PER_QUESTION = 5
REQUESTS_RECEIVED_PER_DAY = 3
MAX_HIDDEN_TOPICS = 100


def _blocked_between(one: User, other: User) -> bool:
    return Block.objects.filter(
        Q(blocker=one, blocked=other) | Q(blocker=other, blocked=one)
    ).exists()


def _require_member(actor: User) -> None:
    if not actor.is_authenticated or actor.is_placeholder or actor.deleted_at is not None:
        raise PermissionDenied(_("Sign in first."))


# Skills -------------------------------------------------------------------------------------


def skill_level_set(*, actor: User, skill_slug: str, level: str) -> MemberSkill:
    """Set how far ``actor`` is with a skill they declared ("" for not said)."""
    if level and level not in MemberSkill.Level.values:
        raise ValidationError(_("Choose learning, practising or expert."))
    member_skill = MemberSkill.objects.filter(
        member=actor, kind=MemberSkill.Kind.SKILL, skill__slug=skill_slug
    ).first()
    if member_skill is None:
        raise ValidationError(_("Declare the skill on your profile first."))
    member_skill.level = level
    member_skill.save(update_fields=["level"])
    return member_skill


def _declared_skill(*, actor: User, member: User, skill_slug: str) -> MemberSkill:
    """``member``'s declared skill, if ``actor`` may see their skills (else a 404-like
    error: nothing about a hidden field is revealed)."""
    member_skill = (
        MemberSkill.objects.select_related("skill")
        .filter(member=member, kind=MemberSkill.Kind.SKILL, skill__slug=skill_slug)
        .first()
    )
    seen = VisibilityContext.for_members(actor, [member])
    if member_skill is None or not seen.can_see(member, "skills"):
        raise ValidationError(_("This member shows no such skill."), code="not_found")
    return member_skill


def endorse(*, actor: User, member: User, skill_slug: str) -> Endorsement:
    """ "I have seen them do this": once per endorser and skill; not oneself, not across a
    block."""
    _require_member(actor)
    if actor.pk == member.pk:
        raise ValidationError(_("You cannot endorse yourself."))
    member_skill = _declared_skill(actor=actor, member=member, skill_slug=skill_slug)
    if _blocked_between(actor, member):
        raise PermissionDenied(_("You cannot endorse this member."))
    endorsement, _created = Endorsement.objects.get_or_create(
        endorser=actor, member_skill=member_skill
    )
    return endorsement


def endorsement_withdraw(*, actor: User, member: User, skill_slug: str) -> None:
    Endorsement.objects.filter(
        endorser=actor, member_skill__member=member, member_skill__skill__slug=skill_slug
    ).delete()


# Preferences --------------------------------------------------------------------------------


def preferences_for(member: User) -> PeoplePreferences:
    found = PeoplePreferences.objects.filter(member=member).first()
    return found or PeoplePreferences(member=member)


def preferences_set(
    *, actor: User, suggest: bool | None = None, answer_requests: bool | None = None
) -> PeoplePreferences:
    """Change what is given of ``actor``'s choices about being found."""
    _require_member(actor)
    preferences = preferences_for(actor)
    if suggest is not None:
        preferences.suggest = suggest
    if answer_requests is not None:
        preferences.answer_requests = answer_requests
    preferences.save()
    return preferences


def topic_hide(*, actor: User, slug: str, hidden: bool = True) -> None:
    """Hide the topic ``slug`` (a tag's short name) from ``actor``'s profile and from
    suggestions, or show it again."""
    _require_member(actor)
    slug = slugify(slug.strip().lstrip("#"), allow_unicode=True)[:60]
    if not slug:
        raise ValidationError(_("Name a topic."))
    if not hidden:
        HiddenTopic.objects.filter(member=actor, slug=slug).delete()
        return
    if HiddenTopic.objects.filter(member=actor).count() >= MAX_HIDDEN_TOPICS:
        raise ValidationError(
            _("At most %(count)s hidden topics."), params={"count": MAX_HIDDEN_TOPICS}
        )
    HiddenTopic.objects.get_or_create(member=actor, slug=slug)


# Follows ------------------------------------------------------------------------------------


def follow(*, actor: User, member: User) -> Follow:
    _require_member(actor)
    if actor.pk == member.pk:
        raise ValidationError(_("You cannot follow yourself."))
    if _blocked_between(actor, member) or member.is_placeholder or member.deleted_at:
        raise PermissionDenied(_("You cannot follow this member."))
    found, _created = Follow.objects.get_or_create(follower=actor, followed=member)
    return found


def unfollow(*, actor: User, member: User) -> None:
    Follow.objects.filter(follower=actor, followed=member).delete()


# Requests to answer -------------------------------------------------------------------------


def answer_request(*, actor: User, thread: Thread, member: User) -> AnswerRequest:
    """``actor`` asks ``member`` to answer the unanswered question ``thread``: ``member``
    is notified, once per question. Refused when either cannot see or reply to it, when
    ``member`` said no to requests, across a block, and past the daily limits."""
    _require_member(actor)
    with_viewer_membership([thread.community], actor)
    if not can(actor, "view", thread):
        raise PermissionDenied(_("You cannot see this question."))
    if not thread.is_question or thread.is_solved:
        raise ValidationError(_("Only an open question can be sent to someone to answer."))
    if member.pk == actor.pk or member.pk == thread.author_id:
        raise ValidationError(_("Ask someone else than yourself or the asker."))
    if not preferences_for(member).answer_requests or member.is_placeholder:
        raise ValidationError(_("This member does not take requests to answer."))
    if _blocked_between(actor, member) or (
        thread.author_id
        and Block.objects.filter(blocker=member, blocked_id=thread.author_id).exists()
    ):
        raise PermissionDenied(_("You cannot ask this member."))
    with_viewer_membership([thread.community], member)
    if not can(member, "reply", thread):
        raise ValidationError(_("This member cannot answer in this community."))
    day_ago = timezone.now() - timedelta(days=1)
    if AnswerRequest.objects.filter(asker=actor, created_at__gte=day_ago).count() >= ASKS_PER_DAY:
        raise ValidationError(
            _("You asked %(count)s people today: try again tomorrow."),
            params={"count": ASKS_PER_DAY},
            code="rate_limited",
        )
    if AnswerRequest.objects.filter(thread=thread).count() >= ASKS_PER_QUESTION:
        raise ValidationError(
            _("%(count)s people were already asked to answer this question."),
            params={"count": ASKS_PER_QUESTION},
            code="rate_limited",
        )
    received = AnswerRequest.objects.filter(member=member, created_at__gte=day_ago).count()
    if received >= REQUESTS_RECEIVED_PER_DAY:
        raise ValidationError(
            _("This member was asked enough today: try again tomorrow."), code="rate_limited"
        )
    try:
        with transaction.atomic():
            request = AnswerRequest.objects.create(thread=thread, asker=actor, member=member)
    except IntegrityError as error:
        raise ValidationError(_("This member was already asked to answer it.")) from error
    notify(recipient=member, kind=Kind.ANSWER_REQUEST, actor=actor, thread=thread)
    return request
