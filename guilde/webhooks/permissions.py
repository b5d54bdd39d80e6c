"""Who manages webhooks, and whose rights a webhook sends with.

===============  ===================================================================
action           allowed to
===============  ===================================================================
manage_webhooks  (on a community) list, create, change, test and delete its webhooks:
                 those who manage the community (coordinators, administrators), while
                 it is active
view             (on a webhook) see it, its log, and change it: for a community's,
                 whoever may ``manage_webhooks`` there; for the instance's,
                 administrators
secret           (on a webhook) read its signing secret again: its owner, while they
                 may still view it
===============  ===================================================================

A webhook's ``owner`` must still hold ``view`` on it when each delivery leaves
(:func:`owner_may_send`); a community webhook is visible to nobody else, so a member who may
not manage it gets a 404, as for anything private.
"""

from __future__ import annotations

from typing import Any

from guilde.communities.models import Community
from guilde.communities.permissions import can_manage, is_admin
from guilde.core.permissions import rule
from guilde.webhooks.models import Webhook


@rule(Community, "manage_webhooks")
def can_manage_webhooks(viewer: Any, community: Community) -> bool:
    return community.status == Community.Status.ACTIVE and can_manage(viewer, community)


def may_manage_instance_webhooks(viewer: Any) -> bool:
    return is_admin(viewer)


@rule(Webhook, "view", decides_visibility=True)
def can_view_webhook(viewer: Any, webhook: Webhook) -> bool:
    if webhook.community is None:
        return may_manage_instance_webhooks(viewer)
    return can_manage_webhooks(viewer, webhook.community)


@rule(Webhook, "secret")
def can_read_secret(viewer: Any, webhook: Webhook) -> bool:
    return (
        viewer.is_authenticated
        and webhook.owner_id == viewer.pk
        and can_view_webhook(viewer, webhook)
    )


def owner_may_send(webhook: Webhook) -> bool:
    """Whether the webhook's owner may still manage it: an account that is active, not
    deleted, still coordinator of the community (or an administrator)."""
    owner = webhook.owner
    if owner is None or not owner.is_active or owner.deleted_at is not None:
        return False
    return can_view_webhook(owner, webhook)
