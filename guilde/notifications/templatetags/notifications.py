"""``{% subscription_form target %}``: the watch / track / mute control of a page; the
texts of moderation and event notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from guilde.accounts.models import User
from guilde.communities.models import Community, Tag
from guilde.discussions.models import Thread
from guilde.notifications.models import Notification, Subscription

register = template.Library()


@register.inclusion_tag("notifications/_subscription.html", takes_context=True)
def subscription_form(
    context: template.Context, target: Thread | Community | Tag
) -> dict[str, Any]:
    request = context["request"]
    target_type = (
        "thread"
        if isinstance(target, Thread)
        else "community"
        if isinstance(target, Community)
        else "tag"
    )
    level = ""
    if isinstance(request.user, User):
        found = (
            Subscription.objects.filter(member=request.user, **{target_type: target})
            .values_list("level", flat=True)
            .first()
        )
        level = str(found or "")
    return {
        "request": request,
        "target_type": target_type,
        "target_id": target.pk,
        "level": level,
        "csrf_token": context.get("csrf_token"),
    }


# What a member is told about a moderation decision (``moderation`` notifications).
MODERATION_TEXTS = {
    "post_hide": _("A moderator hid your post"),
    "auto_hide": _("Your post was hidden after flags from members, until a moderator looks"),
    "post_restore": _("Your post is visible again"),
    "post_approve": _("Your post was approved"),
    "post_reject": _("Your post was not approved"),
    "post_edit": _("A moderator edited your post"),
    "flags_agree": _("A moderator agreed with flags on your post"),
    "flags_disagree": _("A moderator found nothing wrong with your flagged post"),
    "thread_lock": _("A moderator locked your thread"),
    "thread_close": _("Your question was closed as off-topic"),
    "thread_duplicate": _("Your question was closed as a duplicate of another"),
    "thread_move": _("A moderator moved your thread"),
    "thread_merge": _("A moderator merged your thread into another"),
    "member_suspend": _("You were suspended from a community"),
    "member_unsuspend": _("Your suspension was lifted"),
    "member_silence": _("An administrator silenced your account"),
    "member_unsilence": _("Your account is no longer silenced"),
    "member_warn": _("A moderator sent you a warning"),
    "appeal_uphold": _("Your appeal was turned down"),
    "appeal_overturn": _("Your appeal was accepted"),
}


@register.filter
def moderation_text(notification: Notification) -> str:
    return str(
        MODERATION_TEXTS.get(str(notification.data.get("action", "")), _("A moderation decision"))
    )


# What a member is told about their mentoring (``mentoring`` notifications).
MENTORING_TEXTS = {
    "proposed": _("A mentoring pair is proposed to you in %(label)s: accept or decline"),
    "declined": _("Your proposed pair in %(label)s declined: the coordinators look for another"),
    "rematch": _("A pair declined in %(label)s: new proposals wait for your review"),
    "started": _("You both accepted: your mentoring in %(label)s starts"),
    "finished": _("Your mentoring relationship in %(label)s is finished: how did it go?"),
    "nudge": _("No check-in for a while in %(label)s: how about a short catch-up?"),
}


@register.filter
def mentoring_text(notification: Notification) -> str:
    data = notification.data
    text = MENTORING_TEXTS.get(str(data.get("what", "")))
    label = str(data.get("label", ""))
    return str(text) % {"label": label} if text else label


@register.filter
def event_text(notification: Notification, member: Any) -> str:
    """What an event notification says, its times in ``member``'s zone."""
    data = notification.data
    label = str(data.get("label", ""))
    what = data.get("what")
    if what == "promoted":
        return _("A seat freed up: you are registered for %(label)s") % {"label": label}
    if what == "cancelled":
        text = _("Cancelled: %(label)s") % {"label": label}
        return f"{text} — {data['reason']}" if data.get("reason") else text
    if what == "changed":
        return _("%(label)s has changed: check its time and place") % {"label": label}
    if what == "reminder" and data.get("start"):
        start = datetime.fromisoformat(str(data["start"]))
        zone = member.zone if getattr(member, "is_authenticated", False) else start.tzinfo
        local = start.astimezone(zone)
        return _("Reminder: %(label)s starts %(when)s (%(zone)s)") % {
            "label": label,
            "when": date_format(local, "l j F Y, H:i"),
            "zone": str(zone),
        }
    return label
