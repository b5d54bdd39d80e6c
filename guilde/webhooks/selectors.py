"""Reads of webhooks and their log, for those who manage them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext as _

from guilde.communities.models import Community
from guilde.communities.selectors import with_viewer_membership
from guilde.core.permissions import require
from guilde.webhooks.models import Delivery, DeliveryAttempt, Webhook
from guilde.webhooks.permissions import may_manage_instance_webhooks


def webhook_list(*, viewer: Any, community: Community | None) -> QuerySet[Webhook]:
    """A community's webhooks (the caller checked ``manage_webhooks``), or the instance's
    (administrators only), each with its last delivery's status and time; newest first."""
    if community is None and not may_manage_instance_webhooks(viewer):
        raise PermissionDenied(_("Only administrators manage the instance's webhooks."))
    last = Delivery.objects.filter(webhook=OuterRef("pk")).order_by("-id")
    webhooks = (
        Webhook.objects.filter(community=community)
        if community is not None
        else Webhook.objects.filter(community__isnull=True)
    )
    return (
        webhooks.select_related("owner")
        .annotate(
            last_status=Subquery(last.values("status")[:1]),
            last_at=Subquery(last.values("created_at")[:1]),
        )
        .order_by("-id")
    )


def webhook_by_id(*, viewer: Any, pk: int) -> Webhook:
    """One webhook, of a community or of the instance, that the viewer may manage; 404
    otherwise (the API)."""
    webhook = next(
        iter(Webhook.objects.select_related("community", "owner").filter(pk=pk)[:1]), None
    )
    if webhook is None:
        raise Http404
    if webhook.community is not None:
        with_viewer_membership([webhook.community], viewer)
    require(viewer, "view", webhook)
    return webhook


def webhook_get(*, viewer: Any, pk: int, community: Community | None) -> Webhook:
    """One webhook of ``community`` (None: of the instance) that the viewer may manage; 404
    for any other (the pages, whose address names where the webhook belongs)."""
    webhook = next(iter(Webhook.objects.select_related("owner").filter(pk=pk)[:1]), None)
    if webhook is None or webhook.community_id != (community.pk if community else None):
        raise Http404
    webhook.community = community  # already loaded, with the viewer's membership
    require(viewer, "view", webhook)
    return webhook


def delivery_list(*, viewer: Any, webhook: Webhook) -> QuerySet[Delivery]:
    """The webhook's log, latest first, each delivery with its attempts."""
    require(viewer, "view", webhook)
    return (
        Delivery.objects.filter(webhook=webhook)
        .prefetch_related(
            Prefetch("attempt_log", queryset=DeliveryAttempt.objects.order_by("number"))
        )
        .order_by("-id")
    )


def secret_get(*, viewer: Any, webhook: Webhook) -> str:
    """The signing secret, for the webhook's owner alone."""
    require(viewer, "secret", webhook)
    return webhook.secret
