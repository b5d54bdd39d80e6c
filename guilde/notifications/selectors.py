"""Reads of notifications, re-checked against what the viewer may see now."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.urls import reverse

from guilde.accounts.models import User
from guilde.communities.selectors import with_viewer_membership
from guilde.core.permissions import can
from guilde.notifications.models import Kind, Notification

PER_PAGE = 30


def inbox(*, viewer: User, kind: str = "", unread_only: bool = False) -> QuerySet[Notification]:
    notifications = Notification.objects.filter(recipient=viewer)
    if kind:
        notifications = notifications.filter(kind=kind)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.select_related(
        "actor", "community", "thread__community", "post__thread__community"
    ).order_by("-updated_at", "-pk")


def unread_count(viewer: User) -> int:
    return Notification.objects.filter(recipient=viewer, read_at__isnull=True).count()


def still_visible(
    viewer: User, notification: Notification, conversations: set[int] | None = None
) -> bool:
    """Whether what the notification is about is still the viewer's to see (no query: the
    viewer's memberships and conversations were loaded for the page)."""
    if notification.kind == Kind.MESSAGE:
        return notification.data.get("conversation") in (conversations or set())
    if notification.post is not None:
        return can(viewer, "read", notification.post)
    if notification.kind in (Kind.EVENT, Kind.ONBOARDING) and notification.community is not None:
        # An event, a buddy: seen as their community.
        return can(viewer, "view", notification.community)
    if notification.thread is not None:
        return can(viewer, "view", notification.thread)
    if notification.community is not None and notification.kind not in (
        Kind.MEMBERSHIP,
        Kind.INVITATION,
    ):
        return can(viewer, "discover", notification.community)
    return True


@dataclass(frozen=True)
class NotificationRow:
    notification: Notification
    url: str


def target_url(notification: Notification) -> str:
    if notification.kind == Kind.MESSAGE and notification.data.get("conversation"):
        return reverse("conversations:detail", args=[notification.data["conversation"]])
    if notification.kind == Kind.MODERATION and notification.data.get("entry"):
        return reverse("moderation:notice", args=[notification.data["entry"]])
    if notification.kind == Kind.KNOWLEDGE and notification.community is not None:
        slug = notification.community.slug
        if notification.data.get("proposal"):
            return reverse("knowledge:proposal", args=[slug, notification.data["proposal"]])
        if notification.data.get("article"):
            return reverse("knowledge:article", args=[slug, notification.data["article"]])
    if notification.post is not None:
        thread = notification.post.thread
        return (
            reverse("discussions:thread", args=[thread.community.slug, thread.pk])
            + f"?post={notification.post.position}"
        )
    if notification.thread is not None:
        return notification.thread.get_absolute_url()
    if (
        notification.kind == Kind.EVENT
        and notification.community
        and notification.data.get("event")
    ):
        url = reverse(
            "events:detail", args=[notification.community.slug, notification.data["event"]]
        )
        occurrence = notification.data.get("occurrence")
        return f"{url}?occurrence={occurrence}" if occurrence else url
    if notification.kind == Kind.MENTORING:
        return _mentoring_url(notification)
    if notification.kind == Kind.ONBOARDING and notification.community is not None:
        return reverse("onboarding:welcome", args=[notification.community.slug]) + "#buddies"
    if notification.kind == Kind.WEBHOOK and notification.data.get("webhook"):
        if notification.community is not None:
            return reverse(
                "webhooks:community_detail",
                args=[notification.community.slug, notification.data["webhook"]],
            )
        return reverse("webhooks:instance_detail", args=[notification.data["webhook"]])
    if notification.kind == Kind.JOIN_REQUEST and notification.community is not None:
        return reverse("communities:requests", args=[notification.community.slug])
    if notification.community is not None:
        return reverse("communities:detail", args=[notification.community.slug])
    return reverse("notifications:list")


def _mentoring_url(notification: Notification) -> str:
    data = notification.data
    if data.get("relationship"):
        return reverse("mentoring:relationship", args=[data["relationship"]])
    if data.get("what") == "rematch" and notification.community and data.get("programme"):
        return reverse("mentoring:review", args=[notification.community.slug, data["programme"]])
    return reverse("mentoring:mine")


def visible_ids(*, viewer: User, notifications: list[Notification]) -> set[int]:
    """Which of ``notifications`` are still about something the viewer may see (fixed queries)."""
    from guilde.conversations.models import Participant

    communities = [n.post.thread.community for n in notifications if n.post]
    communities += [n.thread.community for n in notifications if n.thread]
    communities += [n.community for n in notifications if n.community]
    with_viewer_membership(communities, viewer)
    for notification in notifications:
        if notification.post is not None and notification.thread is not None:
            notification.post.thread = notification.thread
    conversations = set(
        Participant.objects.filter(member=viewer, left_at__isnull=True).values_list(
            "conversation_id", flat=True
        )
    )
    return {n.pk for n in notifications if still_visible(viewer, n, conversations)}


def page_of_rows(
    *, viewer: User, notifications: QuerySet[Notification], page_number: str | None
) -> tuple[Page[Notification], list[NotificationRow]]:
    page = Paginator(notifications, PER_PAGE).get_page(page_number)
    items = list(page.object_list)
    visible = visible_ids(viewer=viewer, notifications=items)
    return page, [NotificationRow(n, target_url(n)) for n in items if n.pk in visible]


def site_url() -> str:
    return str(settings.GUILDE_SITE_URL)
