"""API of webhooks: a community's (its coordinators and administrators) and the instance's
(administrators), their deliveries, a test, the owner's secret and its rotation. The secret
appears in two answers only: the creation's and the rotation's (and, for the owner, its own
operation)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status

from guilde.accounts.api import refusals, signed_in
from guilde.api.auth import member_auth
from guilde.api.pagination import CursorPage, PageParams, paginate_queryset
from guilde.communities.models import Community
from guilde.communities.selectors import community_get
from guilde.webhooks import selectors, services
from guilde.webhooks.models import Delivery, Webhook
from guilde.webhooks.targets import MAX_URL_LENGTH

router = Router(tags=["webhooks"])

WebhookEventLiteral = Literal[
    "thread.created", "answer.accepted", "article.verified", "event.created",
    "event.cancelled", "member.joined", "post.deleted", "post.hidden", "post.purged",
]  # fmt: skip
WebhookFormatLiteral = Literal["guilde", "chat"]
WebhookId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class WebhookOwnerOut(Schema):
    username: str
    name: str


class WebhookOut(Schema):
    id: int
    community: str | None = Field(description="The community's slug; null: the instance's.")
    name: str
    url: str
    format: WebhookFormatLiteral
    events: list[WebhookEventLiteral]
    include_private: bool = Field(
        description="Instance webhooks: also private and hidden communities' events."
    )
    enabled: bool
    disabled_reason: Literal["", "manual", "failures", "owner"]
    disabled_at: datetime | None
    consecutive_failures: int = Field(description="Deliveries in a row that failed for good.")
    owner: WebhookOwnerOut | None = Field(description="It sends with their rights.")
    is_owner: bool = Field(description="Whether you are its owner (and may read its secret).")
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="The signing secret; only in this answer.")


class WebhookIn(Schema):
    name: str = Field(..., min_length=1, max_length=services.MAX_NAME)
    url: str = Field(..., min_length=1, max_length=MAX_URL_LENGTH)
    format: WebhookFormatLiteral = "guilde"
    events: list[WebhookEventLiteral] = Field(..., min_length=1, max_length=20)
    include_private: bool = Field(False, description="Instance webhooks only.")


class WebhookUpdate(WebhookIn):
    enabled: bool = Field(
        ..., description="false turns it off; true turns it on again and makes you its owner."
    )


class WebhookAttemptOut(Schema):
    number: int
    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str
    next_attempt_at: datetime | None


class WebhookDeliveryOut(Schema):
    id: UUID = Field(description="The payload's id, the same on every attempt.")
    event: str
    occurred_at: datetime
    test: bool
    status: Literal["pending", "succeeded", "failed", "skipped"]
    reason: str = Field(description="Why it was not sent (empty otherwise).")
    attempts: list[WebhookAttemptOut]
    next_attempt_at: datetime | None


class WebhookSecretOut(Schema):
    secret: str


def _out(request: HttpRequest, webhook: Webhook) -> dict[str, Any]:
    owner = webhook.owner
    return {
        "id": webhook.pk,
        "community": webhook.community.slug if webhook.community else None,
        "name": webhook.name,
        "url": webhook.url,
        "format": webhook.format,
        "events": webhook.events,
        "include_private": webhook.include_private,
        "enabled": webhook.enabled,
        "disabled_reason": webhook.disabled_reason,
        "disabled_at": webhook.disabled_at,
        "consecutive_failures": webhook.consecutive_failures,
        "owner": None if owner is None else {"username": owner.username, "name": owner.name},
        "is_owner": owner is not None and owner.pk == getattr(request.user, "pk", None),
        "created_at": webhook.created_at,
        "updated_at": webhook.updated_at,
    }


def _community(request: HttpRequest, slug: str) -> Community:
    return community_get(viewer=request.user, slug=slug, action="manage_webhooks", details=False)


def _list(request: HttpRequest, community: Community | None, page: PageParams) -> dict[str, Any]:
    found = selectors.webhook_list(viewer=request.user, community=community)
    result = paginate_queryset(request, found, page, ordering=("-id",))
    for webhook in result["results"]:
        webhook.community = community  # known: no query per webhook
    return {**result, "results": [_out(request, w) for w in result["results"]]}


def _create(request: HttpRequest, community: Community | None, data: WebhookIn) -> Status[Any]:
    with refusals():
        webhook, secret = services.webhook_create(
            actor=signed_in(request),
            community=community,
            name=data.name,
            url=data.url,
            format=data.format,
            events=data.events,
            include_private=data.include_private,
        )
    return Status(201, {**_out(request, webhook), "secret": secret})


@router.get("/communities/{slug}/webhooks", response=CursorPage[WebhookOut], auth=member_auth)
def community_webhook_list(
    request: HttpRequest, slug: str, page: Query[PageParams]
) -> dict[str, Any]:
    """The community's webhooks, newest first (its coordinators and administrators)."""
    signed_in(request)
    return _list(request, _community(request, slug), page)


@router.post("/communities/{slug}/webhooks", response={201: WebhookCreated}, auth=member_auth)
def community_webhook_create(request: HttpRequest, slug: str, data: WebhookIn) -> Status[Any]:
    """A new webhook of the community, owned by you; its secret is in this answer only."""
    signed_in(request)
    return _create(request, _community(request, slug), data)


@router.get("/webhooks", response=CursorPage[WebhookOut], auth=member_auth)
def instance_webhook_list(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    """The instance's webhooks (administrators)."""
    signed_in(request)
    with refusals():
        return _list(request, None, page)


@router.post("/webhooks", response={201: WebhookCreated}, auth=member_auth)
def instance_webhook_create(request: HttpRequest, data: WebhookIn) -> Status[Any]:
    """A new instance webhook (administrators), owned by you; its secret is in this answer
    only."""
    signed_in(request)
    return _create(request, None, data)


@router.get("/webhooks/{webhook_id}", response=WebhookOut, auth=member_auth)
def webhook_get(request: HttpRequest, webhook_id: WebhookId) -> dict[str, Any]:
    signed_in(request)
    return _out(request, selectors.webhook_by_id(viewer=request.user, pk=webhook_id))


@router.put("/webhooks/{webhook_id}", response=WebhookOut, auth=member_auth)
def webhook_update(
    request: HttpRequest, data: WebhookUpdate, webhook_id: WebhookId
) -> dict[str, Any]:
    """Change the webhook; ``enabled`` turns it off, or on again (you become its owner)."""
    member = signed_in(request)
    webhook = selectors.webhook_by_id(viewer=member, pk=webhook_id)
    with refusals():
        services.webhook_update(
            actor=member,
            webhook=webhook,
            name=data.name,
            url=data.url,
            format=data.format,
            events=data.events,
            include_private=data.include_private,
        )
        services.webhook_set_enabled(actor=member, webhook=webhook, enabled=data.enabled)
    return _out(request, webhook)


@router.delete("/webhooks/{webhook_id}", response={204: None}, auth=member_auth)
def webhook_delete(request: HttpRequest, webhook_id: WebhookId) -> Status[None]:
    member = signed_in(request)
    webhook = selectors.webhook_by_id(viewer=member, pk=webhook_id)
    with refusals():
        services.webhook_delete(actor=member, webhook=webhook)
    return Status(204, None)


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response=CursorPage[WebhookDeliveryOut],
    auth=member_auth,
)
def webhook_delivery_list(
    request: HttpRequest, page: Query[PageParams], webhook_id: WebhookId
) -> dict[str, Any]:
    """The delivery log, latest first, each delivery with its attempts."""
    member = signed_in(request)
    webhook = selectors.webhook_by_id(viewer=member, pk=webhook_id)
    found = selectors.delivery_list(viewer=member, webhook=webhook)
    result = paginate_queryset(request, found, page, ordering=("-id",))
    return {**result, "results": [_delivery_out(d) for d in result["results"]]}


def _delivery_out(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.uuid,
        "event": delivery.event,
        "occurred_at": delivery.occurred_at,
        "test": delivery.is_test,
        "status": delivery.status,
        "reason": delivery.get_reason_display() if delivery.reason else "",
        "attempts": [
            {
                "number": a.number,
                "started_at": a.started_at,
                "duration_ms": a.duration_ms,
                "status_code": a.status_code,
                "error": a.error,
                "next_attempt_at": a.next_attempt_at,
            }
            for a in delivery.attempt_log.all()
        ],
        "next_attempt_at": delivery.next_attempt_at,
    }


@router.post("/webhooks/{webhook_id}/test", response={202: WebhookDeliveryOut}, auth=member_auth)
def webhook_send_test(request: HttpRequest, webhook_id: WebhookId) -> Status[Any]:
    """Queue a test delivery (event ``webhook.test``; one attempt, counted nowhere); its
    result appears in the log."""
    member = signed_in(request)
    webhook = selectors.webhook_by_id(viewer=member, pk=webhook_id)
    with refusals():
        delivery = services.webhook_test(actor=member, webhook=webhook)
    return Status(202, _delivery_out(delivery))


@router.get("/webhooks/{webhook_id}/secret", response=WebhookSecretOut, auth=member_auth)
def webhook_secret(request: HttpRequest, webhook_id: WebhookId) -> dict[str, str]:
    """The signing secret, for the webhook's owner alone."""
    member = signed_in(request)
    webhook = selectors.webhook_by_id(viewer=member, pk=webhook_id)
    return {"secret": selectors.secret_get(viewer=member, webhook=webhook)}


@router.post("/webhooks/{webhook_id}/secret/rotate", response=WebhookSecretOut, auth=member_auth)
def webhook_rotate_secret(request: HttpRequest, webhook_id: WebhookId) -> dict[str, str]:
    """A new secret (the old one still signs beside it for a day); you become the owner."""
    member = signed_in(request)
    webhook = selectors.webhook_by_id(viewer=member, pk=webhook_id)
    with refusals():
        return {"secret": services.webhook_rotate_secret(actor=member, webhook=webhook)}
