"""Writes of onboarding: a community's settings (coordinators), suggesting a buddy to a
newcomer, and the newcomer's answer (the buddy is told when accepted)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guilde.accounts.models import User
from guilde.communities.models import Community
from guilde.communities.permissions import membership_of
from guilde.communities.selectors import with_viewer_membership
from guilde.core.markdown import render
from guilde.core.permissions import can, require
from guilde.discussions.models import Thread
from guilde.knowledge.models import LearningPath
from guilde.notifications.models import Kind
from guilde.notifications.services import notify
from guilde.onboarding import buddies, selectors
from guilde.onboarding.models import Buddy, Onboarding

MAX_WELCOME = 20_000


@transaction.atomic
def onboarding_update(
    *,
    actor: User,
    community: Community,
    welcome: str,
    starter_path: LearningPath | None,
    introductions: Thread | None,
    buddies: bool,
) -> Onboarding:
    """Save the community's welcome message, starter path, introductions thread and whether
    newcomers get a buddy (the row is made on the first save)."""
    require(actor, "manage_onboarding", community)
    errors: dict[str, str] = {}
    if len(welcome) > MAX_WELCOME:
        errors["welcome"] = _("The welcome message is at most 20,000 characters long.")
    if starter_path is not None and starter_path.community_id != community.pk:
        errors["starter_path"] = _("Choose a learning path of this community.")
    if introductions is not None and (
        introductions.community_id != community.pk
        or introductions.deleted_at is not None
        or introductions.hidden_at is not None
        or introductions.merged_into_id is not None
    ):
        errors["introductions"] = _("Choose a visible thread of this community.")
    if errors:
        raise ValidationError(errors)
    onboarding = Onboarding.objects.select_for_update(no_key=True).filter(
        community=community
    ).first() or Onboarding(community=community)
    onboarding.welcome = welcome.strip()
    onboarding.welcome_html = render(onboarding.welcome).html if onboarding.welcome else ""
    onboarding.starter_path = starter_path
    onboarding.introductions = introductions
    onboarding.buddies = buddies
    onboarding.updated_by = actor
    onboarding.updated_at = timezone.now()
    onboarding.save()
    return onboarding


def _open(community: Community, newcomer: User) -> Buddy | None:
    return (
        Buddy.objects.filter(community=community, newcomer=newcomer)
        .exclude(status=Buddy.Status.DECLINED)
        .select_related("buddy")
        .first()
    )


@transaction.atomic
def buddy_suggest(
    *, newcomer: User, community: Community, now: datetime | None = None
) -> Buddy | None:
    """The newcomer's buddy: the one they accepted, the suggestion waiting for their
    answer, or — when the community suggests buddies, they are still a newcomer and someone
    fits (``guilde.onboarding.buddies``) — a new suggestion. Nobody is told of a suggestion;
    the buddy hears when the newcomer accepts. A suggestion whose member may no longer be a
    buddy (they left, were suspended, a block came between them) gives way to another."""
    require(newcomer, "onboard", community)
    now = now or timezone.now()
    current = _open(community, newcomer)
    if current is not None and current.status == Buddy.Status.ACCEPTED:
        return current
    if not selectors.onboarding_for(community).buddies:
        return None
    if current is not None:
        if buddies.possible(community, newcomer, now).filter(member_id=current.buddy_id).exists():
            return current
        current.delete()  # never answered: not a decline, they may be suggested again later
    if not selectors.is_newcomer(membership_of(newcomer, community), community, now):
        return None
    best = buddies.best(community, newcomer, now)
    if best is None:
        return None
    try:
        with transaction.atomic():
            Buddy.objects.create(
                community=community, newcomer=newcomer, buddy_id=best.member_id, created_at=now
            )
    except IntegrityError:
        pass  # the same page opened twice at once: the other request's suggestion stands
    return _open(community, newcomer)


@transaction.atomic
def buddy_answer(*, actor: User, community: Community, accept: bool) -> Buddy:
    """The newcomer accepts or declines the buddy suggested to them. Accepted: the buddy is
    told (a notification of the ``onboarding`` kind). Declined: that member is never
    suggested to them again; the next visit to the welcome page suggests someone else."""
    require(actor, "onboard", community)
    suggestion = (
        Buddy.objects.select_for_update(no_key=True)
        .filter(community=community, newcomer=actor, status=Buddy.Status.SUGGESTED)
        .select_related("buddy")
        .first()
    )
    if suggestion is None:
        raise ValidationError(_("You have no buddy suggestion to answer."))
    suggestion.status = Buddy.Status.ACCEPTED if accept else Buddy.Status.DECLINED
    suggestion.answered_at = timezone.now()
    suggestion.save(update_fields=["status", "answered_at"])
    if accept:
        _tell_buddy(suggestion, community, actor)
    return suggestion


def _tell_buddy(buddy: Buddy, community: Community, newcomer: User) -> None:
    member = buddy.buddy
    with_viewer_membership([community], member)
    if not can(member, "view", community):
        return
    notify(
        recipient=member,
        kind=Kind.ONBOARDING,
        actor=newcomer,
        community=community,
        data={"what": "buddy_accepted", "label": community.name},
        check_visibility=False,  # checked above: "view", not the notifications' "discover"
    )
