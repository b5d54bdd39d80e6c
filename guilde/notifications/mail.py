"""Notification e-mails and digests: grouped, in the member's language, each with a
one-click unsubscribe link (RFC 8058) that works without signing in, for its own kind."""

from __future__ import annotations

import itertools
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from guilde.accounts.models import User
from guilde.communities.models import Membership
from guilde.communities.selectors import with_viewer_membership
from guilde.core.batches import keyset_batches
from guilde.core.markdown import plain_text
from guilde.core.permissions import can
from guilde.core.zones import known_zones
from guilde.discussions.models import ReadState, Thread
from guilde.notifications import services
from guilde.notifications.models import Frequency, Kind, Notification, NotificationSettings

UNSUBSCRIBE_SALT = "guilde.notifications.unsubscribe"
DIGEST_HOUR = 7  # the member's local morning
DIGEST_THREADS = 5


def unsubscribe_token(member: User, kind: str) -> str:
    return signing.dumps({"m": member.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str]:
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if not isinstance(data, dict) or data.get("k") not in [*Kind.values, "digest"]:
        raise signing.BadSignature("not an unsubscribe token")
    return int(data["m"]), str(data["k"])


def unsubscribe_url(member: User, kind: str) -> str:
    return str(settings.GUILDE_SITE_URL) + reverse(
        "notifications:unsubscribe", args=[unsubscribe_token(member, kind)]
    )


def _send(member: User, *, kind: str, subject: str, template: str, context: dict[str, Any]) -> bool:
    if not member.email or services.mail_stopped(member.email):
        return False
    link = unsubscribe_url(member, kind)
    context = {**context, "member": member, "site": settings.GUILDE_SITE_URL, "unsubscribe": link}
    text = render_to_string(f"notifications/mail/{template}.txt", context)
    html = render_to_string(f"notifications/mail/{template}.html", context)
    message = EmailMultiAlternatives(
        subject,
        text,
        to=[member.email],
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(html, "text/html")
    message.send()
    return True


@dataclass
class Item:
    notification: Notification
    title: str
    excerpt: str
    url: str


def _item(notification: Notification) -> Item:
    base = str(settings.GUILDE_SITE_URL)
    post, thread = notification.post, notification.thread
    url = base + reverse("notifications:open", args=[notification.pk])
    if notification.kind == Kind.MESSAGE:
        from guilde.conversations.models import Message

        message = (
            Message.objects.filter(pk=notification.data.get("message"))
            .select_related("conversation")
            .first()
        )
        if message is None:
            return Item(notification, "", "", url)
        return Item(
            notification, message.conversation.subject, plain_text(message.body, limit=280), url
        )
    if post is not None and thread is not None:
        return Item(notification, thread.title, plain_text(post.body, limit=280), url)
    if notification.kind == Kind.EVENT:
        return Item(notification, "", "", url)  # its text names the event
    if thread is not None:
        return Item(notification, thread.title, "", url)
    if notification.community is not None:
        return Item(notification, notification.community.name, "", url)
    return Item(notification, "", "", url)


def _still_visible(notification: Notification) -> bool:
    if notification.kind == Kind.MESSAGE:
        from guilde.conversations.models import Participant

        return Participant.objects.filter(
            conversation_id=notification.data.get("conversation"),
            member_id=notification.recipient_id,
            left_at__isnull=True,
        ).exists()
    if notification.kind in (Kind.EVENT, Kind.ONBOARDING) and notification.community is not None:
        recipient = notification.recipient
        with_viewer_membership([notification.community], recipient)
        return (
            recipient.is_active
            and recipient.deleted_at is None
            and can(recipient, "view", notification.community)
        )
    return services.may_see(
        notification.recipient,
        thread=notification.thread,
        post=notification.post,
        community=None
        if notification.kind in (Kind.MEMBERSHIP, Kind.INVITATION)
        else notification.community,
    )


def send_due_emails(now: datetime | None = None) -> int:
    """Mail the "immediately" notifications whose grouping window has passed, one mail per
    member, kind and thread. Returns how many mails left."""
    now = now or timezone.now()
    due = list(
        Notification.objects.filter(
            emailed_at__isnull=True, email_due_at__lte=now, read_at__isnull=True
        )
        .select_related(
            "recipient", "actor", "community", "thread__community", "post__thread__community"
        )
        .order_by("recipient_id", "kind", "thread_id", "created_at")
    )
    groups: dict[tuple[int, str, int | None], list[Notification]] = defaultdict(list)
    for notification in due:
        groups[(notification.recipient_id, notification.kind, notification.thread_id)].append(
            notification
        )
    sent = 0
    for (_recipient_id, kind, _thread_id), notifications in groups.items():
        member = notifications[0].recipient
        visible = [n for n in notifications if _still_visible(n)]
        with transaction.atomic():
            Notification.objects.filter(
                pk__in=[n.pk for n in notifications if n not in visible]
            ).delete()
            if visible:
                with override(member.language or settings.LANGUAGE_CODE):
                    items = [_item(n) for n in visible]
                    subject = _subject(kind, items)
                    if _send(
                        member,
                        kind=kind,
                        subject=subject,
                        template="notification",
                        context={"items": items, "kind_label": Kind(kind).label},
                    ):
                        sent += 1
            Notification.objects.filter(pk__in=[n.pk for n in visible]).update(emailed_at=now)
    return sent


def _subject(kind: str, items: list[Item]) -> str:
    title = items[0].title or str(items[0].notification.data.get("label", ""))
    if kind == Kind.MENTION:
        return _("[Guilde] You were mentioned in “%(title)s”") % {"title": title}
    if kind in (Kind.REPLY, Kind.ANSWER, Kind.WATCHED_POST):
        return _("[Guilde] New posts in “%(title)s”") % {"title": title}
    if kind == Kind.ACCEPTED:
        return _("[Guilde] Your answer was accepted in “%(title)s”") % {"title": title}
    if kind == Kind.MESSAGE:
        return _("[Guilde] New direct messages")
    return _("[Guilde] %(kind)s: %(title)s") % {"kind": Kind(kind).label, "title": title}


# Digests -----------------------------------------------------------------------------------


@dataclass
class Digest:
    member: User
    period: str  # "daily" | "weekly"
    items: list[Item] = field(default_factory=list)
    threads: list[Thread] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.items and not self.threads


def local_now(member: User, now: datetime) -> datetime:
    try:
        zone = (
            zoneinfo.ZoneInfo(member.time_zone)
            if member.time_zone
            else zoneinfo.ZoneInfo(settings.TIME_ZONE)
        )
    except zoneinfo.ZoneInfoNotFoundError:
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return now.astimezone(zone)


def build_digest(member: User, *, period: str, now: datetime) -> Digest:
    """What a member should not miss: their digest notifications, and the liveliest threads
    of their communities that they have not read — only what they may see *now*."""
    span = timedelta(days=7 if period == Frequency.WEEKLY else 1)
    since = now - span
    kinds = [
        kind for kind, frequency in services.frequencies(member).items() if frequency == period
    ]
    digest = Digest(member=member, period=period)
    notifications = (
        Notification.objects.filter(
            recipient=member,
            kind__in=kinds,
            read_at__isnull=True,
            emailed_at__isnull=True,
            updated_at__gte=since,
        )
        .select_related(
            "recipient", "actor", "community", "thread__community", "post__thread__community"
        )
        .order_by("-updated_at")
    )
    digest.items = [_item(n) for n in notifications if _still_visible(n)]
    if services.settings_for(member).digest != period:
        return digest
    communities = Membership.objects.filter(member=member, status=Membership.Status.ACTIVE).values(
        "community_id"
    )
    read = ReadState.objects.filter(member=member, thread=OuterRef("pk")).values(
        "last_read_position"
    )[:1]
    candidates = (
        Thread.objects.filter(community_id__in=communities, last_activity_at__gte=since)
        .listed()
        .annotate(read=Subquery(read))
        .filter(Q(read__isnull=True) | Q(read__lt=F("last_position")))
        .exclude(author=member)
        .select_related("community")
        .order_by("-score", "-reply_count", "-last_activity_at")[: DIGEST_THREADS * 3]
    )
    digest.threads = [t for t in candidates if services.may_see(member, thread=t)][:DIGEST_THREADS]
    return digest


def _digest_due(member: User, preferences: NotificationSettings, now: datetime) -> list[str]:
    local = local_now(member, now)
    if local.hour != DIGEST_HOUR:
        return []
    due: list[str] = []
    today: date = local.date()
    if preferences.last_daily_digest != today:
        due.append(Frequency.DAILY)
    if local.weekday() == 0 and preferences.last_weekly_digest != today:
        due.append(Frequency.WEEKLY)
    return due


def zones_at_hour(now: datetime, hour: int) -> set[str]:
    """The time zones where it is ``hour`` o'clock at ``now``."""
    return {name for name in known_zones() if now.astimezone(zoneinfo.ZoneInfo(name)).hour == hour}


def send_digests(now: datetime | None = None) -> int:
    """Send the digests that are due: each member's, at 07:00 in their own time zone."""
    now = now or timezone.now()
    sent = 0
    zones = zones_at_hour(now, DIGEST_HOUR)
    members = User.objects.real().exclude(email="").filter(time_zone__in=zones)
    if settings.TIME_ZONE in zones:
        members = (
            User.objects.real().exclude(email="").filter(Q(time_zone__in=zones) | Q(time_zone=""))
        )
    # Members a page at a time: no read stays open while the loop writes (guilde.core.batches).
    for member in itertools.chain.from_iterable(keyset_batches(members, size=500)):
        preferences = services.settings_for(member)
        for period in _digest_due(member, preferences, now):
            digest = build_digest(member, period=period, now=now)
            with transaction.atomic():
                if not digest.empty:
                    with override(member.language or settings.LANGUAGE_CODE):
                        subject = (
                            _("[Guilde] Your daily digest")
                            if period == Frequency.DAILY
                            else _("[Guilde] Your weekly digest")
                        )
                        if _send(
                            member,
                            kind="digest",
                            subject=subject,
                            template="digest",
                            context={"digest": digest},
                        ):
                            sent += 1
                    Notification.objects.filter(
                        pk__in=[i.notification.pk for i in digest.items]
                    ).update(emailed_at=now)
                field_name = (
                    "last_daily_digest" if period == Frequency.DAILY else "last_weekly_digest"
                )
                NotificationSettings.objects.filter(pk=preferences.pk).update(
                    **{field_name: local_now(member, now).date()}
                )
    return sent
