"""What notifications hold about members (see guilde.accounts.rights)."""

from __future__ import annotations

from typing import Any

from guilde.accounts.models import User
from guilde.accounts.rights import (
    DeletionContext,
    Handling,
    classify,
    exporter,
    on_account_deletion,
)
from guilde.notifications.models import (
    EmailAddressStatus,
    EmailPreference,
    Notification,
    NotificationSettings,
    Subscription,
)

classify(
    "notifications.Subscription",
    Handling.OWNED,
    "what the member follows",
    export_part="subscriptions",
)
classify(
    "notifications.Notification",
    Handling.CUSTOM,
    "the member's notifications are deleted; in others', the member is no longer named",
    export_part="notifications",
    owner_field="recipient",
)
classify(
    "notifications.EmailPreference",
    Handling.OWNED,
    "e-mail preferences",
    export_part="email_preferences",
)
classify(
    "notifications.NotificationSettings",
    Handling.OWNED,
    "notification settings",
    export_part="notification_settings",
)
classify(
    "notifications.EmailAddressStatus",
    Handling.CUSTOM,
    "delivery reports about the member's addresses are deleted",
)


@on_account_deletion(order=70)
def forget_notifications(context: DeletionContext) -> None:
    member = context.member
    for model in (Subscription, EmailPreference, NotificationSettings):
        model._default_manager.filter(member=member).delete()
    Notification.objects.filter(recipient=member).delete()
    Notification.objects.filter(actor=member).update(actor=None)
    addresses = [value.lower() for value in context.identifiers if "@" in value]
    EmailAddressStatus.objects.filter(email__in=addresses).delete()


@exporter("subscriptions")
def export_subscriptions(member: User) -> list[dict[str, Any]]:
    return [
        {
            "id": s.pk,
            "thread": s.thread_id,
            "community": s.community_id,
            "tag": s.tag_id,
            "level": s.level,
        }
        for s in Subscription.objects.filter(member=member)
    ]


@exporter("notifications")
def export_notifications(member: User) -> list[dict[str, Any]]:
    return [
        {"id": n.pk, "kind": n.kind, "created_at": n.created_at, "read": n.read_at is not None}
        for n in Notification.objects.filter(recipient=member)
    ]


@exporter("email_preferences")
def export_email_preferences(member: User) -> list[dict[str, Any]]:
    return [
        {"id": p.pk, "kind": p.kind, "frequency": p.frequency}
        for p in EmailPreference.objects.filter(member=member)
    ]


@exporter("notification_settings")
def export_notification_settings(member: User) -> list[dict[str, Any]]:
    return [
        {"id": s.pk, "watch_started": s.watch_started, "watch_replied": s.watch_replied}
        for s in NotificationSettings.objects.filter(member=member)
    ]
