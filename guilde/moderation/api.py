"""API of moderation: flags (any member), the queue, decisions, thread actions, suspensions,
warnings, silences, the log, notices and appeals (moderators, coordinators, administrators)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from guilde.accounts.api import refused
from guilde.accounts.models import User
from guilde.api.auth import member_auth
from guilde.api.pagination import CursorPage, PageParams, paginate_queryset
from guilde.communities import services as community_services
from guilde.communities.models import Community, Membership, ModerationLogEntry
from guilde.communities.selectors import community_get, with_viewer_membership
from guilde.core.permissions import require
from guilde.discussions import selectors as discussion_selectors
from guilde.discussions import services as discussions
from guilde.discussions.models import HiddenReason, Post
from guilde.discussions.services import SLOW_MODE_CHOICES
from guilde.moderation import selectors, services
from guilde.moderation.models import Appeal, Flag

router = Router(tags=["moderation"])

FlagReason = Literal["off_topic", "inappropriate", "spam", "attention", "other"]


def _member(request: HttpRequest) -> User:
    if not isinstance(request.user, User) or not request.user.is_authenticated:
        raise HttpError(401, "Sign in first.")
    return request.user


class FlagIn(Schema):
    reason: FlagReason
    text: str = Field("", max_length=1000)


class FlagOut(Schema):
    id: int
    post: int
    reason: FlagReason
    text: str
    status: Literal["open", "agreed", "disagreed"]
    flagger: str | None = Field(None, description="Shown to moderators only.")
    created_at: datetime


class QueueItemOut(Schema):
    post: int
    thread: int
    community: str
    position: int
    author: str | None
    body: str
    state: Literal["visible", "hidden", "flags", "review"]
    flags: list[FlagOut]


class DecisionIn(Schema):
    decision: Literal["agree", "disagree", "approve", "reject", "hide", "restore"]
    reason: str = Field("", max_length=2000)


class ThreadActionIn(Schema):
    action: Literal[
        "lock", "unlock", "pin", "unpin", "pin_globally", "unpin_globally", "close", "reopen",
        "duplicate", "slow_mode", "move", "merge", "split",
    ]  # fmt: skip
    reason: str = Field("", max_length=2000, description="Lock and close: shown to readers.")
    minutes: int | None = Field(None, description=f"slow_mode: one of {list(SLOW_MODE_CHOICES)}.")
    to: str | None = Field(None, description="move: the slug of the community.")
    into: int | None = Field(None, description="merge: the thread to merge into.")
    original: int | None = Field(
        None, description="duplicate: the question (same community) this one repeats."
    )
    positions: list[int] | None = Field(
        None, description="split: positions of the replies to move."
    )
    title: str | None = Field(None, max_length=200, description="split: the new thread's title.")


class ThreadActionOut(Schema):
    thread: int = Field(
        ..., description="The thread after the action (the new one for split and merge)."
    )


class SuspensionIn(Schema):
    until: datetime | None = Field(None, description="Null: until lifted.")
    reason: str = Field(..., min_length=1, max_length=2000)


class MemberStateOut(Schema):
    username: str
    suspended: bool
    until: datetime | None
    reason: str


class WarningIn(Schema):
    message: str = Field(..., min_length=1, max_length=4000)


class LogEntryOut(Schema):
    id: int
    created_at: datetime
    community: str | None
    actor: str | None = Field(
        None, description="Null: the platform itself (flags reached the threshold)."
    )
    action: str
    target_type: str
    target_id: int | None
    target_label: str
    member: str | None
    reason: str
    details: dict[str, Any]


class AppealIn(Schema):
    message: str = Field(..., min_length=1, max_length=4000)


class AppealOut(Schema):
    id: int
    decision: int
    community: str | None
    member: str
    message: str
    status: Literal["open", "upheld", "overturned"]
    outcome: str
    created_at: datetime


class AppealDecisionIn(Schema):
    decision: Literal["uphold", "overturn"]
    outcome: str = Field(..., min_length=1, max_length=4000)


def _flag_out(flag: Flag, *, moderator: bool) -> dict[str, Any]:
    return {
        "id": flag.pk,
        "post": flag.post_id,
        "reason": flag.reason,
        "text": flag.text,
        "status": flag.status,
        "flagger": flag.flagger.username if moderator else None,
        "created_at": flag.created_at,
    }


def _entry_out(entry: ModerationLogEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "created_at": entry.created_at,
        "community": entry.community.slug if entry.community else None,
        "actor": entry.actor.username if entry.actor else None,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "target_label": entry.target_label,
        "member": entry.member.username if entry.member else None,
        "reason": entry.reason,
        "details": entry.details,
    }


def _appeal_out(appeal: Appeal) -> dict[str, Any]:
    return {
        "id": appeal.pk,
        "decision": appeal.decision_id,
        "community": appeal.community.slug if appeal.community else None,
        "member": appeal.member.username,
        "message": appeal.message,
        "status": appeal.status,
        "outcome": appeal.outcome,
        "created_at": appeal.created_at,
    }


# Flags and the queue -----------------------------------------------------------------------


@router.post("/posts/{post_id}/flags", response={201: FlagOut}, auth=member_auth)
def flag_create(request: HttpRequest, post_id: int, data: FlagIn) -> Status[dict[str, Any]]:
    member = _member(request)
    post = discussion_selectors.post_get(viewer=member, pk=post_id, action="flag")
    try:
        flag = services.flag_create(actor=member, post=post, reason=data.reason, text=data.text)
    except ValidationError as error:
        raise refused(error) from error
    return Status(201, _flag_out(flag, moderator=False))


@router.get(
    "/communities/{slug}/moderation/queue", response=CursorPage[QueueItemOut], auth=member_auth
)
def queue(request: HttpRequest, slug: str, page: Query[PageParams]) -> dict[str, Any]:
    """Posts waiting for a moderator (open flags, held for review), oldest first."""
    community = community_get(viewer=_member(request), slug=slug, action="moderate")
    result = paginate_queryset(
        request, selectors.queue_posts(community=community), page, ordering=("id",)
    )
    items = selectors.queue_items(result["results"])
    return {
        **result,
        "results": [
            {
                "post": item.post.pk,
                "thread": item.post.thread_id,
                "community": community.slug,
                "position": item.post.position,
                "author": item.post.author.username if item.post.author else None,
                "body": item.post.body,
                "state": _queue_state(item.post),
                "flags": [_flag_out(flag, moderator=True) for flag in item.flags],
            }
            for item in items
        ],
    }


def _queue_state(post: Post) -> str:
    """ "visible", "hidden" (by a moderator, or for a reason of its own), or why it waits:
    "flags" (hidden by members' flags) or "review" (held for approval)."""
    if post.hidden_at is None:
        return "visible"
    if post.hidden_reason in (HiddenReason.FLAGS, HiddenReason.REVIEW):
        return str(post.hidden_reason)
    return "hidden"


@router.post("/posts/{post_id}/moderation", response={204: None}, auth=member_auth)
def post_decide(request: HttpRequest, post_id: int, data: DecisionIn) -> Status[None]:
    """Agree or disagree with flags, approve or reject a held post, hide or restore."""
    actor = _member(request)
    post = discussion_selectors.post_get(viewer=actor, pk=post_id, action="hide")
    try:
        if data.decision in ("agree", "disagree"):
            services.flags_resolve(
                actor=actor, post=post, agree=data.decision == "agree", reason=data.reason
            )
        elif data.decision in ("approve", "reject"):
            services.held_post_decide(
                actor=actor, post=post, approve=data.decision == "approve", reason=data.reason
            )
        elif data.decision == "hide":
            discussions.post_hide(actor=actor, post=post, reason=data.reason)
        else:
            discussions.post_restore(actor=actor, post=post, reason=data.reason)
    except (ValidationError, PermissionDenied) as error:
        raise refused(error) from error
    return Status(204, None)


@router.post("/threads/{thread_id}/moderation", response=ThreadActionOut, auth=member_auth)
def thread_action(request: HttpRequest, thread_id: int, data: ThreadActionIn) -> dict[str, int]:
    actor = _member(request)
    thread = discussion_selectors.thread_by_id(viewer=actor, pk=thread_id, action="moderate")
    try:
        result = _run_thread_action(actor, thread, data)
    except (ValidationError, PermissionDenied) as error:
        raise refused(error) from error
    return {"thread": result}


def _run_thread_action(actor: User, thread: Any, data: ThreadActionIn) -> int:
    action, reason = data.action, data.reason
    toggles = {
        "lock": {"locked": True},
        "unlock": {"locked": False},
        "pin": {"pinned": True},
        "unpin": {"pinned": False},
        "pin_globally": {"pinned_globally": True},
        "unpin_globally": {"pinned_globally": False},
    }
    if action in toggles:
        discussions.thread_moderate(actor=actor, thread=thread, reason=reason, **toggles[action])
    elif action == "close":
        discussions.thread_close(actor=actor, thread=thread, reason=reason)
    elif action == "duplicate":
        original = discussion_selectors.thread_by_id(viewer=actor, pk=data.original or 0)
        discussions.thread_close_as_duplicate(
            actor=actor, thread=thread, original=original, reason=reason
        )
    elif action == "reopen":
        discussions.thread_reopen(actor=actor, thread=thread, reason=reason)
    elif action == "slow_mode":
        discussions.thread_slow_mode(
            actor=actor, thread=thread, minutes=data.minutes or 0, reason=reason
        )
    elif action == "move":
        to = get_object_or_404(Community, slug=data.to or "")
        with_viewer_membership([to], actor)
        discussions.thread_move(actor=actor, thread=thread, to=to, reason=reason)
    elif action == "merge":
        into = discussion_selectors.thread_by_id(viewer=actor, pk=data.into or 0, action="moderate")
        return discussions.thread_merge(actor=actor, source=thread, into=into, reason=reason).pk
    else:
        new = discussions.thread_split(
            actor=actor,
            thread=thread,
            positions=data.positions or [],
            title=data.title or "",
            reason=reason,
        )
        return new.pk
    return int(thread.pk)


# Members ----------------------------------------------------------------------------------


def _membership(request: HttpRequest, slug: str, username: str) -> Membership:
    community = community_get(viewer=_member(request), slug=slug, action="moderate")
    return get_object_or_404(
        Membership.objects.select_related("member", "community"),
        community=community,
        member__username=username,
    )


def _state(membership: Membership) -> dict[str, Any]:
    return {
        "username": membership.member.username,
        "suspended": membership.is_suspended(),
        "until": membership.suspended_until,
        "reason": membership.suspension_reason,
    }


@router.put(
    "/communities/{slug}/members/{username}/suspension", response=MemberStateOut, auth=member_auth
)
def suspend(request: HttpRequest, slug: str, username: str, data: SuspensionIn) -> dict[str, Any]:
    membership = _membership(request, slug, username)
    try:
        community_services.membership_suspend(
            actor=_member(request), membership=membership, until=data.until, reason=data.reason
        )
    except (ValidationError, PermissionDenied) as error:
        raise refused(error) from error
    return _state(membership)


@router.delete(
    "/communities/{slug}/members/{username}/suspension", response=MemberStateOut, auth=member_auth
)
def unsuspend(request: HttpRequest, slug: str, username: str) -> dict[str, Any]:
    membership = _membership(request, slug, username)
    try:
        community_services.membership_unsuspend(actor=_member(request), membership=membership)
    except (ValidationError, PermissionDenied) as error:
        raise refused(error) from error
    return _state(membership)


@router.post(
    "/communities/{slug}/members/{username}/warnings", response={201: LogEntryOut}, auth=member_auth
)
def warn(request: HttpRequest, slug: str, username: str, data: WarningIn) -> Status[dict[str, Any]]:
    membership = _membership(request, slug, username)
    try:
        entry = services.warn(
            actor=_member(request),
            community=membership.community,
            member=membership.member,
            message=data.message,
        )
    except (ValidationError, PermissionDenied) as error:
        raise refused(error) from error
    return Status(201, _entry_out(entry))


@router.put("/members/{username}/silence", response={204: None}, auth=member_auth)
def silence(request: HttpRequest, username: str, data: SuspensionIn) -> Status[None]:
    actor = _member(request)
    if not actor.is_staff:
        raise Http404
    person = get_object_or_404(User.objects.real(), username=username)
    try:
        services.member_silence(actor=actor, member=person, until=data.until, reason=data.reason)
    except (ValidationError, PermissionDenied) as error:
        raise refused(error) from error
    return Status(204, None)


@router.delete("/members/{username}/silence", response={204: None}, auth=member_auth)
def unsilence(request: HttpRequest, username: str) -> Status[None]:
    actor = _member(request)
    if not actor.is_staff:
        raise Http404
    person = get_object_or_404(User.objects.real(), username=username)
    try:
        services.member_unsilence(actor=actor, member=person)
    except (ValidationError, PermissionDenied) as error:
        raise refused(error) from error
    return Status(204, None)


# The log, notices, appeals ----------------------------------------------------------------------


@router.get(
    "/communities/{slug}/moderation/log", response=CursorPage[LogEntryOut], auth=member_auth
)
def community_log(request: HttpRequest, slug: str, page: Query[PageParams]) -> dict[str, Any]:
    community = community_get(viewer=_member(request), slug=slug, action="audit")
    result = paginate_queryset(
        request, selectors.log_entries(community=community), page, ordering=("-id",)
    )
    return {**result, "results": [_entry_out(e) for e in result["results"]]}


@router.get("/moderation/log", response=CursorPage[LogEntryOut], auth=member_auth)
def instance_log(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    if not _member(request).is_staff:
        raise Http404
    result = paginate_queryset(
        request, selectors.log_entries(community=None), page, ordering=("-id",)
    )
    return {**result, "results": [_entry_out(e) for e in result["results"]]}


@router.get("/me/moderation-notices", response=CursorPage[LogEntryOut], auth=member_auth)
def my_notices(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    """Moderation decisions about me or my posts (moderators' names left out)."""
    member = _member(request)
    entries = selectors.log_entries(community=None).filter(member=member)
    result = paginate_queryset(request, entries, page, ordering=("-id",))
    return {**result, "results": [{**_entry_out(e), "actor": None} for e in result["results"]]}


@router.post("/moderation/notices/{entry_id}/appeal", response={201: AppealOut}, auth=member_auth)
def appeal_create(request: HttpRequest, entry_id: int, data: AppealIn) -> Status[dict[str, Any]]:
    member = _member(request)
    entry = get_object_or_404(
        ModerationLogEntry.objects.select_related("community", "member"), pk=entry_id
    )
    if entry.community is not None:
        with_viewer_membership([entry.community], member)
    require(member, "view", entry)
    try:
        appeal = services.appeal_create(actor=member, decision=entry, message=data.message)
    except (ValidationError, PermissionDenied) as error:
        raise refused(error) from error
    return Status(201, _appeal_out(appeal))


@router.get("/communities/{slug}/moderation/appeals", response=list[AppealOut], auth=member_auth)
def appeals(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    """Open appeals the caller may decide."""
    member = _member(request)
    community = community_get(viewer=member, slug=slug, action="moderate")
    return [_appeal_out(a) for a in selectors.open_appeals(viewer=member, community=community)]


@router.post("/moderation/appeals/{appeal_id}/decision", response=AppealOut, auth=member_auth)
def appeal_decide(request: HttpRequest, appeal_id: int, data: AppealDecisionIn) -> dict[str, Any]:
    member = _member(request)
    appeal = get_object_or_404(
        Appeal.objects.select_related("decision", "community", "member"), pk=appeal_id
    )
    if appeal.community is not None:
        with_viewer_membership([appeal.community], member)
    require(member, "decide", appeal)
    try:
        services.appeal_decide(
            actor=member, appeal=appeal, overturn=data.decision == "overturn", outcome=data.outcome
        )
    except (ValidationError, PermissionDenied) as error:
        raise refused(error) from error
    return _appeal_out(appeal)
