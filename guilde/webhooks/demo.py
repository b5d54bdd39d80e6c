"""Demo data: Service Design Practitioners posts its new questions and events to a chat
channel — a webhook in the chat format, turned off by hand (the demo's address leads
nowhere, so nothing is sent and no failure piles up; a coordinator sees the pages, the
secret and the "send test" button, and may point it at a real channel)."""

from __future__ import annotations

from typing import TextIO

from guilde.communities.models import Community, Membership
from guilde.webhooks import services
from guilde.webhooks.models import EventKind, Webhook


def load(out: TextIO) -> None:
    community = Community.objects.filter(slug="service-design").first()
    if community is None or Webhook.objects.filter(community=community).exists():
        return
    coordinator = (
        Membership.objects.filter(
            community=community,
            role=Membership.Role.COORDINATOR,
            status=Membership.Status.ACTIVE,
        )
        .select_related("member")
        .order_by("pk")
        .first()
    )
    if coordinator is None:
        return
    webhook, _secret = services.webhook_create(
        actor=coordinator.member,
        community=community,
        name="#service-design on the team chat",
        url="https://chat.example.org/hooks/service-design",
        format=Webhook.Format.CHAT,
        events=[EventKind.THREAD_CREATED, EventKind.ANSWER_ACCEPTED, EventKind.EVENT_CREATED],
    )
    services.webhook_set_enabled(actor=coordinator.member, webhook=webhook, enabled=False)
    out.write("Added a chat webhook (turned off) to Service Design Practitioners.\n")
