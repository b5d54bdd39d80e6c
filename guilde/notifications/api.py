"""API of notifications, subscriptions, preferences and delivery reports."""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import APIKeyHeader

from guilde.accounts.models import User
from guilde.api.auth import member_auth
from guilde.api.pagination import CursorPage, PageParams, paginate_queryset
from guilde.communities.models import Community, Tag
from guilde.communities.selectors import community_get
from guilde.discussions.selectors import thread_by_id
from guilde.notifications import selectors, services
from guilde.notifications.models import Notification, Subscription

router = Router(tags=["notifications"])

KindLiteral = Literal[
    "mention", "reply", "answer", "answer_request", "accepted", "reaction", "watched_post",
    "watched_thread", "membership", "invitation", "join_request", "message", "moderation",
    "flag_outcome", "knowledge", "event", "mentoring", "onboarding", "webhook",
]  # fmt: skip
FrequencyLiteral = Literal["immediately", "daily", "weekly", "never"]
LevelLiteral = Literal["watch", "track", "mute"]
TargetLiteral = Literal["thread", "community", "tag"]


def _member(request: HttpRequest) -> User:
    if not isinstance(request.user, User) or not request.user.is_authenticated:
        raise HttpError(401, "Sign in first.")
    return request.user


class NotificationOut(Schema):
    id: int
    kind: KindLiteral
    actor: str | None
    community: str | None
    thread: int | None
    post: int | None
    data: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    read: bool
    url: str


class NotificationFilters(Schema):
    kind: KindLiteral | Literal[""] = ""
    unread: bool = False


class MarkReadIn(Schema):
    ids: list[int] | None = Field(None, description="Null: all of them.")


class MarkReadOut(Schema):
    marked: int


class CountOut(Schema):
    unread: int


class SubscriptionOut(Schema):
    target_type: TargetLiteral
    target_id: int
    level: LevelLiteral
    automatic: bool


class SubscriptionIn(Schema):
    target_type: TargetLiteral
    target_id: int
    level: LevelLiteral | None = Field(None, description="Null removes the choice.")


class NotificationPreferencesOut(Schema):
    email: dict[KindLiteral, FrequencyLiteral]
    watch_started: bool
    watch_replied: bool
    messages_from: Literal["communities", "anyone"]
    digest: Literal["daily", "weekly", "never"]


class NotificationPreferencesIn(Schema):
    email: dict[KindLiteral, FrequencyLiteral] = Field(default_factory=dict)
    watch_started: bool | None = None
    watch_replied: bool | None = None
    messages_from: Literal["communities", "anyone"] | None = None
    digest: Literal["daily", "weekly", "never"] | None = None


class DeliveryReportIn(Schema):
    email: str = Field(..., max_length=254)
    type: Literal["hard", "soft", "complaint"]
    description: str = Field("", max_length=500)


class DeliveryReportOut(Schema):
    email: str
    suppressed: bool


def _out(notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "actor": notification.actor.username if notification.actor else None,
        "community": notification.community.slug if notification.community else None,
        "thread": notification.thread_id,
        "post": notification.post_id,
        "data": notification.data,
        "created_at": notification.created_at,
        "updated_at": notification.updated_at,
        "read": notification.read_at is not None,
        "url": selectors.target_url(notification),
    }


@router.get("/me/notifications", response=CursorPage[NotificationOut], auth=member_auth)
def notification_list(
    request: HttpRequest, filters: Query[NotificationFilters], page: Query[PageParams]
) -> dict[str, Any]:
    member = _member(request)
    notifications = selectors.inbox(viewer=member, kind=filters.kind, unread_only=filters.unread)
    result = paginate_queryset(request, notifications, page, ordering=("-id",))
    visible = selectors.visible_ids(viewer=member, notifications=result["results"])
    return {**result, "results": [_out(n) for n in result["results"] if n.pk in visible]}


@router.get("/me/notifications/count", response=CountOut, auth=member_auth)
def notification_count(request: HttpRequest) -> dict[str, int]:
    return {"unread": selectors.unread_count(_member(request))}


@router.post("/me/notifications/read", response=MarkReadOut, auth=member_auth)
def notification_mark_read(request: HttpRequest, data: MarkReadIn) -> dict[str, int]:
    return {"marked": services.mark_read(member=_member(request), notification_ids=data.ids)}


def _subscription_out(subscription: Subscription) -> dict[str, Any]:
    for field in ("thread", "community", "tag"):
        target_id = getattr(subscription, f"{field}_id")
        if target_id:
            return {
                "target_type": field,
                "target_id": target_id,
                "level": subscription.level,
                "automatic": subscription.automatic,
            }
    raise Http404


@router.get("/me/subscriptions", response=list[SubscriptionOut], auth=member_auth)
def subscription_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        _subscription_out(s)
        for s in Subscription.objects.filter(member=_member(request)).order_by("pk")
    ]


@router.put("/me/subscriptions", response={200: SubscriptionOut, 204: None}, auth=member_auth)
def subscription_set(request: HttpRequest, data: SubscriptionIn) -> Any:
    """Watch, track or mute a thread, a community or a tag; a null level removes the choice."""
    member = _member(request)
    target: Any
    if data.target_type == "thread":
        target = thread_by_id(viewer=member, pk=data.target_id)
    elif data.target_type == "community":
        community = get_object_or_404(Community, pk=data.target_id)
        target = community_get(viewer=member, slug=community.slug, action="view")
    else:
        target = get_object_or_404(Tag.objects.select_related("community"), pk=data.target_id)
        community_get(viewer=member, slug=target.community.slug, action="view")
    try:
        subscription = services.subscription_set(member=member, target=target, level=data.level)
    except DjangoValidationError as error:
        raise HttpError(422, "; ".join(error.messages)) from error
    if subscription is None:
        return Status(204, None)
    return _subscription_out(subscription)


def _preferences(member: User) -> dict[str, Any]:
    current = services.settings_for(member)
    return {
        "email": services.frequencies(member),
        "watch_started": current.watch_started,
        "watch_replied": current.watch_replied,
        "messages_from": member.messages_from,
        "digest": current.digest,
    }


@router.get("/me/notification-preferences", response=NotificationPreferencesOut, auth=member_auth)
def preferences_get(request: HttpRequest) -> dict[str, Any]:
    return _preferences(_member(request))


@router.patch("/me/notification-preferences", response=NotificationPreferencesOut, auth=member_auth)
def preferences_set(request: HttpRequest, data: NotificationPreferencesIn) -> dict[str, Any]:
    member = _member(request)
    for kind, frequency in data.email.items():
        services.frequency_set(member=member, kind=kind, frequency=frequency)
    current = services.settings_for(member)
    if data.watch_started is not None:
        current.watch_started = data.watch_started
    if data.watch_replied is not None:
        current.watch_replied = data.watch_replied
    if data.digest is not None:
        current.digest = data.digest
    current.save(update_fields=["watch_started", "watch_replied", "digest"])
    if data.messages_from is not None:
        User.objects.filter(pk=member.pk).update(messages_from=data.messages_from)
        member.messages_from = data.messages_from
    return _preferences(member)


class BounceToken(APIKeyHeader):
    """Delivery reports come from the mail provider, with the shared secret in a header
    (``GUILDE_BOUNCE_TOKEN``; unset, every report is refused)."""

    param_name = "X-Guilde-Bounce-Token"

    def authenticate(self, request: HttpRequest, key: str | None) -> str | None:
        expected = str(getattr(settings, "GUILDE_BOUNCE_TOKEN", ""))
        if expected and key and hmac.compare_digest(expected, key):
            return "mail-provider"
        return None


@router.post(
    "/mail/delivery-reports", response=list[DeliveryReportOut], auth=BounceToken(), tags=["mail"]
)
def delivery_reports(request: HttpRequest, reports: list[DeliveryReportIn]) -> list[dict[str, Any]]:
    """Bounces and complaints from the mail provider (format: docs/mail-delivery-reports.md)."""
    results = []
    for report in reports:
        try:
            status = services.delivery_report(
                email=report.email, kind=report.type, description=report.description
            )
        except DjangoValidationError as error:
            raise HttpError(422, "; ".join(error.messages)) from error
        results.append({"email": status.email, "suppressed": status.suppressed_at is not None})
    return results
