"""What the webhooks app holds about members (see guilde.accounts.rights).

A webhook is a community's (or the instance's) integration, not the member's data: it names
its owner only because it sends with their rights. When the owner's account goes, their
webhooks stay, turned off and without an owner, until a coordinator (an administrator for
the instance's) turns them on again and so becomes their owner. The delivery log holds
event names, ids and response codes, never content.
"""

from __future__ import annotations

from django.utils import timezone

from guilde.accounts.rights import DeletionContext, Handling, classify, on_account_deletion
from guilde.webhooks.models import Webhook

classify(
    "webhooks.Webhook",
    Handling.CUSTOM,
    "webhooks the member owns: the community's integrations, kept off and without owner",
)
classify(
    "webhooks.Delivery",
    Handling.NONE,
    "the delivery log: event names, ids of what they were about, response codes",
)
classify("webhooks.DeliveryAttempt", Handling.NONE, "each attempt's time, status code and error")


@on_account_deletion(order=60)
def orphan_webhooks(context: DeletionContext) -> None:
    now = timezone.now()
    Webhook.objects.filter(owner=context.member, enabled=True).update(
        enabled=False, disabled_reason=Webhook.Disabled.OWNER, disabled_at=now
    )
    Webhook.objects.filter(owner=context.member).update(owner=None, updated_at=now)
