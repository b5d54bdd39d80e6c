"""API of onboarding: my welcome in a community (message, checklist, buddy), the
coordinators' settings, their list of newcomers, and answering a buddy suggestion."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from guilde.accounts.api import refused, signed_in
from guilde.accounts.models import User
from guilde.api.auth import member_auth, public_auth
from guilde.api.pagination import CursorPage, PageParams, paginate_queryset
from guilde.communities.models import Community
from guilde.communities.selectors import community_get
from guilde.core.permissions import can
from guilde.discussions.models import Thread
from guilde.knowledge.models import LearningPath
from guilde.onboarding import selectors, services
from guilde.onboarding.models import Buddy
from guilde.onboarding.services import MAX_WELCOME

router = Router(tags=["onboarding"])

ItemLiteral = Literal["profile", "introduce", "starter_path", "event", "question"]
BuddyStatusLiteral = Literal["suggested", "accepted"]


class NewcomerPersonOut(Schema):
    username: str
    name: str


class RefOut(Schema):
    id: int
    title: str
    url: str


class ItemOut(Schema):
    key: ItemLiteral
    label: str
    done: bool
    url: str = Field(description="Where to do it.")


class BuddyOut(Schema):
    member: NewcomerPersonOut
    status: BuddyStatusLiteral
    suggested_at: datetime
    answered_at: datetime | None


class OnboardingOut(Schema):
    community: str
    welcome: str = Field(description="Markdown; empty: the community wrote none yet.")
    welcome_html: str
    starter_path: RefOut | None
    introductions: RefOut | None
    buddies: bool = Field(description="Whether newcomers are suggested a buddy.")
    checklist: list[ItemOut] | None = Field(
        description="My checklist; null for those who are not an active member here."
    )
    newcomer: bool
    buddy: BuddyOut | None = Field(
        description="My buddy here (a newcomer is suggested one when they read this)."
    )
    buddy_of: list[NewcomerPersonOut] = Field(description="Newcomers who chose me as their buddy.")


class OnboardingIn(Schema):
    welcome: str = Field("", max_length=MAX_WELCOME)
    starter_path: int | None = Field(None, description="A learning path of the community.")
    introductions: int | None = Field(None, description="A visible thread of the community.")
    buddies: bool = True


class NewcomerOut(Schema):
    member: NewcomerPersonOut
    joined_at: datetime
    days: int = Field(description="Days since joining.")
    items: list[ItemLiteral] = Field(description="The checklist's items in this community.")
    done: list[ItemLiteral]
    stuck: bool = Field(description="Joined long enough ago, and at most one item done.")
    buddy: BuddyOut | None


class NewcomerFilters(Schema):
    stuck: bool = Field(False, description="Only those stuck at the edge.")


def _person(member: User) -> dict[str, str]:
    return {"username": member.username, "name": member.name}


def _buddy_out(buddy: Buddy) -> dict[str, Any]:
    return {
        "member": _person(buddy.buddy),
        "status": buddy.status,
        "suggested_at": buddy.created_at,
        "answered_at": buddy.answered_at,
    }


def _buddy(buddy: Buddy | None) -> dict[str, Any] | None:
    return None if buddy is None else _buddy_out(buddy)


def _onboarding_out(request: HttpRequest, community: Community) -> dict[str, Any]:
    found = selectors.welcome_get(viewer=request.user, community=community)
    onboarding = found.onboarding
    path, thread, setup = onboarding.starter_path, onboarding.introductions, found.setup
    return {
        "community": community.slug,
        "welcome": onboarding.welcome,
        "welcome_html": onboarding.welcome_html,
        "starter_path": {
            "id": path.pk,
            "title": path.title,
            "url": reverse("knowledge:path", args=[community.slug, path.pk]),
        }
        if path is not None and setup.starter_path_id == path.pk
        else None,
        "introductions": {
            "id": thread.pk,
            "title": thread.title,
            "url": reverse("discussions:thread", args=[community.slug, thread.pk]),
        }
        if thread is not None and setup.introductions_id == thread.pk
        else None,
        "buddies": onboarding.buddies,
        "checklist": None
        if found.items is None
        else [
            {"key": i.key, "label": str(i.label), "done": i.done, "url": i.url} for i in found.items
        ],
        "newcomer": found.is_newcomer,
        "buddy": _buddy(found.buddy),
        "buddy_of": [_person(b.newcomer) for b in found.buddy_of],
    }


@router.get("/communities/{slug}/onboarding", response=OnboardingOut, auth=public_auth)
def onboarding_get(request: HttpRequest, slug: str) -> dict[str, Any]:
    """The community's welcome; for a member, their checklist (ticked from what they did)
    and their buddy."""
    community = community_get(viewer=request.user, slug=slug, action="view", details=False)
    if isinstance(request.user, User) and can(request.user, "onboard", community):
        services.buddy_suggest(newcomer=request.user, community=community)
    return _onboarding_out(request, community)


@router.put("/communities/{slug}/onboarding", response=OnboardingOut, auth=member_auth)
def onboarding_update(request: HttpRequest, slug: str, data: OnboardingIn) -> dict[str, Any]:
    """Coordinators and administrators: the welcome, starter path, introductions thread,
    and whether buddies are suggested."""
    member = signed_in(request)
    community = community_get(viewer=member, slug=slug, action="manage_onboarding", details=False)
    path = thread = None
    if data.starter_path is not None:
        path = LearningPath.objects.filter(pk=data.starter_path, community=community).first()
        if path is None:
            raise HttpError(422, "starter_path: not a learning path of this community.")
    if data.introductions is not None:
        thread = Thread.objects.filter(pk=data.introductions, community=community).first()
        if thread is None:
            raise HttpError(422, "introductions: not a thread of this community.")
    try:
        services.onboarding_update(
            actor=member,
            community=community,
            welcome=data.welcome,
            starter_path=path,
            introductions=thread,
            buddies=data.buddies,
        )
    except (ValidationError, PermissionDenied) as error:
        raise refused(error) from error
    return _onboarding_out(request, community)


@router.get("/communities/{slug}/newcomers", response=CursorPage[NewcomerOut], auth=member_auth)
def newcomer_list(
    request: HttpRequest, slug: str, filters: Query[NewcomerFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Coordinators and administrators: the newcomers, latest first, with their progress."""
    member = signed_in(request)
    community = community_get(viewer=member, slug=slug, action="manage_onboarding", details=False)
    found = selectors.newcomers(viewer=member, community=community, stuck_only=filters.stuck)
    result = paginate_queryset(request, found.memberships, page, ordering=("-id",))
    now = timezone.now()
    rows = selectors.newcomer_rows(found, list(result["results"]), now)
    items = list(found.setup.items)
    return {
        **result,
        "results": [
            {
                "member": _person(row.member),
                "joined_at": row.joined_at,
                "days": row.days,
                "items": items,
                "done": [key for key in items if key in row.done],
                "stuck": row.stuck,
                "buddy": _buddy(row.buddy),
            }
            for row in rows
        ],
    }


def _answer(request: HttpRequest, slug: str, *, accept: bool) -> dict[str, Any]:
    member = signed_in(request)
    community = community_get(viewer=member, slug=slug, action="view", details=False)
    try:
        buddy = services.buddy_answer(actor=member, community=community, accept=accept)
    except (ValidationError, PermissionDenied) as error:
        raise refused(error) from error
    return _buddy_out(buddy)


class AnsweredOut(Schema):
    member: NewcomerPersonOut
    status: Literal["accepted", "declined"]
    suggested_at: datetime
    answered_at: datetime | None


@router.post("/communities/{slug}/onboarding/buddy/accept", response=AnsweredOut, auth=member_auth)
def buddy_accept(request: HttpRequest, slug: str) -> dict[str, Any]:
    """Accept the buddy suggested to me: they are told."""
    return _answer(request, slug, accept=True)


@router.post("/communities/{slug}/onboarding/buddy/decline", response=AnsweredOut, auth=member_auth)
def buddy_decline(request: HttpRequest, slug: str) -> dict[str, Any]:
    """Decline the buddy suggested to me: they are never suggested to me again; reading my
    onboarding again suggests someone else."""
    return _answer(request, slug, accept=False)
