"""What a delivery sends, built when it leaves and seen through its owner's eyes.

Schema ``guilde.webhook/1`` (docs/webhooks.md)::

    {"schema": "guilde.webhook/1", "event": "thread.created", "id": "<delivery uuid>",
     "occurred_at": "<ISO 8601, UTC>", "community": {...} | null, "data": {...}}

The chat format sends ``{"text": "<one line with a link>"}`` instead, in the community's
language. Every builder reads what the event is about again and refuses (:class:`NotSent`)
when it no longer exists, moved, is no longer in the state the event announced, or is not
in its ordinary visible state (hidden, deleted, draft — even if the owner, as a moderator,
could see it), or when the owner may not see it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from guilde.accounts.models import User
from guilde.communities.models import Community, Membership
from guilde.communities.selectors import with_viewer_membership
from guilde.core.markdown import plain_text
from guilde.core.permissions import can
from guilde.discussions.models import Post, Thread
from guilde.events.models import Event
from guilde.knowledge.models import Article
from guilde.webhooks.models import TEST_EVENT, Delivery, EventKind, Webhook

SCHEMA = "guilde.webhook/1"
EXCERPT = 280
Reason = Delivery.Reason


class NotSent(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Content:
    community: Community | None
    data: dict[str, Any]
    chat: str


def absolute(path: str) -> str:
    return str(settings.GUILDE_SITE_URL) + path


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def _person(member: User | None) -> dict[str, Any] | None:
    if member is None:
        return None
    return {
        "username": member.username,
        "name": member.name,
        "url": absolute(reverse("accounts:member", args=[member.username])),
    }


def community_block(community: Community) -> dict[str, Any]:
    return {
        "slug": community.slug,
        "name": community.name,
        "url": absolute(reverse("communities:detail", args=[community.slug])),
        "visibility": community.visibility,
    }


def _slack_escape(text: str) -> str:
    """Slack reads ``&``, ``<`` and ``>`` as markup; Mattermost and Teams read the
    entities back as the characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _id(subject: dict[str, Any], name: str) -> int:
    value = subject.get(name)
    return value if isinstance(value, int) else 0


def _place(webhook: Webhook, community: Community, owner: User) -> None:
    """Whether the event's community is this webhook's to hear, as the owner sees it now."""
    if webhook.community_id is not None and community.pk != webhook.community_id:
        raise NotSent(Reason.MOVED)
    if (
        webhook.community_id is None
        and community.visibility != Community.Visibility.PUBLIC
        and not webhook.include_private
    ):
        raise NotSent(Reason.NOT_PUBLIC)
    with_viewer_membership([community], owner)
    if not can(owner, "view", community):
        raise NotSent(Reason.OWNER_CANNOT_SEE)


def _check(webhook: Webhook, obj: Any, community: Community, owner: User) -> None:
    """The checks every event shares: where it is, and whether the owner sees it."""
    _place(webhook, community, owner)
    if not can(owner, "view", obj):
        raise NotSent(Reason.OWNER_CANNOT_SEE)


def _visible_thread(thread: Thread | None, webhook: Webhook, owner: User) -> Thread:
    if thread is None:
        raise NotSent(Reason.GONE)
    _check(webhook, thread, thread.community, owner)
    if thread.hidden_at is not None or thread.deleted_at is not None:
        raise NotSent(Reason.HIDDEN)
    return thread


def _thread_block(thread: Thread) -> dict[str, Any]:
    return {
        "id": thread.pk,
        "kind": thread.kind,
        "title": thread.title,
        "url": absolute(thread.get_absolute_url()),
    }


def _chat_thread_started(kind: str) -> str:
    # Spelled out so that each sentence is translated whole.
    if kind == Thread.Kind.QUESTION:
        return _("%(community)s — new question by %(author)s: %(title)s %(url)s")
    if kind == Thread.Kind.IDEA:
        return _("%(community)s — new idea by %(author)s: %(title)s %(url)s")
    if kind == Thread.Kind.ANNOUNCEMENT:
        return _("%(community)s — announcement by %(author)s: %(title)s %(url)s")
    return _("%(community)s — new discussion by %(author)s: %(title)s %(url)s")


def _name(member: User | None) -> str:
    return member.name if member is not None else _("someone")


def thread_created(subject: dict[str, Any], webhook: Webhook, owner: User) -> Content:
    thread = _visible_thread(
        Thread.objects.select_related("community", "author")
        .filter(pk=_id(subject, "thread"))
        .first(),
        webhook,
        owner,
    )
    opening = Post.objects.filter(thread=thread, position=1).first()
    if opening is None or opening.hidden_at is not None or opening.deleted_at is not None:
        raise NotSent(Reason.HIDDEN)
    block = _thread_block(thread)
    data = {
        "thread": {
            **block,
            "tags": sorted(tag.name for tag in thread.tags.all()),
            "author": _person(thread.author),
            "created_at": _time(thread.created_at),
            "excerpt": plain_text(opening.body, limit=EXCERPT),
        }
    }
    chat = _chat_thread_started(thread.kind) % {
        "community": thread.community.name,
        "author": _name(thread.author),
        "title": thread.title,
        "url": block["url"],
    }
    return Content(thread.community, data, chat)


def answer_accepted(subject: dict[str, Any], webhook: Webhook, owner: User) -> Content:
    thread = _visible_thread(
        Thread.objects.select_related("community").filter(pk=_id(subject, "thread")).first(),
        webhook,
        owner,
    )
    answer = (
        Post.objects.select_related("author").filter(pk=_id(subject, "post"), thread=thread).first()
    )
    if answer is None:
        raise NotSent(Reason.GONE)
    if thread.accepted_post_id != answer.pk:
        raise NotSent(Reason.CHANGED)
    if answer.hidden_at is not None or answer.deleted_at is not None:
        raise NotSent(Reason.HIDDEN)
    block = _thread_block(thread)
    answer_url = f"{block['url']}?post={answer.position}"
    data = {
        "thread": block,
        "answer": {
            "id": answer.pk,
            "url": answer_url,
            "author": _person(answer.author),
            "excerpt": plain_text(answer.body, limit=EXCERPT),
        },
        "accepted_at": _time(thread.accepted_at),
    }
    chat = _("%(community)s — answer by %(author)s accepted on: %(title)s %(url)s") % {
        "community": thread.community.name,
        "author": _name(answer.author),
        "title": thread.title,
        "url": answer_url,
    }
    return Content(thread.community, data, chat)


def article_verified(subject: dict[str, Any], webhook: Webhook, owner: User) -> Content:
    article = (
        Article.objects.select_related("community", "verified_by")
        .filter(pk=_id(subject, "article"))
        .first()
    )
    if article is None:
        raise NotSent(Reason.GONE)
    _check(webhook, article, article.community, owner)
    if article.status == Article.Status.DRAFT:
        raise NotSent(Reason.HIDDEN)
    if article.status != Article.Status.VERIFIED:
        raise NotSent(Reason.CHANGED)
    url = absolute(article.get_absolute_url())
    data = {
        "article": {
            "id": article.pk,
            "kind": article.kind,
            "title": article.title,
            "url": url,
            "verified_by": _person(article.verified_by),
            "verified_at": _time(article.verified_at),
            "verification_expires_at": _time(article.verification_expires_at),
        }
    }
    chat = _("%(community)s — article verified: %(title)s %(url)s") % {
        "community": article.community.name,
        "title": article.title,
        "url": url,
    }
    return Content(article.community, data, chat)


def _event(subject: dict[str, Any], webhook: Webhook, owner: User) -> tuple[Event, dict[str, Any]]:
    event = Event.objects.select_related("community").filter(pk=_id(subject, "event")).first()
    if event is None:
        raise NotSent(Reason.GONE)
    _check(webhook, event, event.community, owner)
    # Never the join link, the address or notes: those are for the people registered.
    block = {
        "id": event.pk,
        "kind": event.kind,
        "title": event.title,
        "url": absolute(event.get_absolute_url()),
        "format": event.format,
        "start": _time(event.start),
        "end": _time(event.end),
        "time_zone": event.time_zone,
        "repeats": bool(event.repeat),
        "status": event.status,
    }
    return event, block


def _when(event: Event) -> str:
    local = event.start.astimezone(event.zone)
    return f"{local:%Y-%m-%d %H:%M} ({event.time_zone})"


def event_created(subject: dict[str, Any], webhook: Webhook, owner: User) -> Content:
    event, block = _event(subject, webhook, owner)
    chat = _("%(community)s — new event: %(title)s, %(when)s %(url)s") % {
        "community": event.community.name,
        "title": event.title,
        "when": _when(event),
        "url": block["url"],
    }
    return Content(event.community, {"event": block}, chat)


def event_cancelled(subject: dict[str, Any], webhook: Webhook, owner: User) -> Content:
    event, block = _event(subject, webhook, owner)
    if event.status != Event.Status.CANCELLED:
        raise NotSent(Reason.CHANGED)
    block["cancel_reason"] = event.cancel_reason
    chat = _("%(community)s — event cancelled: %(title)s, %(when)s %(url)s") % {
        "community": event.community.name,
        "title": event.title,
        "when": _when(event),
        "url": block["url"],
    }
    return Content(event.community, {"event": block}, chat)


def member_joined(subject: dict[str, Any], webhook: Webhook, owner: User) -> Content:
    membership = (
        Membership.objects.select_related("community", "member")
        .filter(community_id=_id(subject, "community"), member_id=_id(subject, "member"))
        .first()
    )
    if membership is None or membership.member.deleted_at is not None:
        raise NotSent(Reason.GONE)
    community = membership.community
    _check(webhook, community, community, owner)
    if not membership.is_active:
        raise NotSent(Reason.CHANGED)
    member = _person(membership.member)
    assert member is not None  # noqa: S101  (a membership always has its member)
    data = {"member": member, "role": membership.role, "joined_at": _time(membership.joined_at)}
    chat = _("%(community)s — %(name)s joined %(url)s") % {
        "community": community.name,
        "name": membership.member.name,
        "url": member["url"],
    }
    return Content(community, data, chat)


def _post_removed(subject: dict[str, Any], webhook: Webhook, owner: User, moment: str) -> Content:
    """Ids only: the receiver learns what to forget, nothing of what it was."""
    post = Post.objects.select_related("thread__community").filter(pk=_id(subject, "post")).first()
    if post is None:
        raise NotSent(Reason.GONE)  # erased since: "post.purged" says so
    thread = post.thread
    _place(webhook, thread.community, owner)
    if getattr(post, moment) is None:
        raise NotSent(Reason.CHANGED)  # restored since
    removed = thread.deleted_at is not None or thread.hidden_at is not None
    data = {
        "post": {"id": post.pk, "position": post.position},
        "thread": {"id": thread.pk, "removed": removed},
    }
    return Content(thread.community, data, "")


def post_deleted(subject: dict[str, Any], webhook: Webhook, owner: User) -> Content:
    return _post_removed(subject, webhook, owner, "deleted_at")


def post_hidden(subject: dict[str, Any], webhook: Webhook, owner: User) -> Content:
    return _post_removed(subject, webhook, owner, "hidden_at")


def post_purged(subject: dict[str, Any], webhook: Webhook, owner: User) -> Content:
    community = Community.objects.filter(pk=_id(subject, "community")).first()
    if community is None:
        raise NotSent(Reason.GONE)
    _place(webhook, community, owner)
    data = {
        "post": {"id": _id(subject, "post")},
        "thread": {"id": _id(subject, "thread"), "removed": subject.get("thread_removed") is True},
    }
    return Content(community, data, "")


def webhook_test(subject: dict[str, Any], webhook: Webhook, owner: User) -> Content:
    chat = _("Guilde: a test of the webhook “%(name)s”. It works.") % {"name": webhook.name}
    return Content(webhook.community, {"webhook": {"id": webhook.pk, "name": webhook.name}}, chat)


BUILDERS: dict[str, Callable[[dict[str, Any], Webhook, User], Content]] = {
    EventKind.THREAD_CREATED: thread_created,
    EventKind.ANSWER_ACCEPTED: answer_accepted,
    EventKind.ARTICLE_VERIFIED: article_verified,
    EventKind.EVENT_CREATED: event_created,
    EventKind.EVENT_CANCELLED: event_cancelled,
    EventKind.MEMBER_JOINED: member_joined,
    EventKind.POST_DELETED: post_deleted,
    EventKind.POST_HIDDEN: post_hidden,
    EventKind.POST_PURGED: post_purged,
    TEST_EVENT: webhook_test,
}


def body(delivery: Delivery, webhook: Webhook, owner: User) -> bytes:
    """The request body of ``delivery``, as ``owner`` may see it now, or :class:`NotSent`."""
    language = webhook.community.language if webhook.community else settings.LANGUAGE_CODE
    with translation.override(language):
        content = BUILDERS[delivery.event](delivery.subject, webhook, owner)
        if webhook.format == Webhook.Format.CHAT:
            document: dict[str, Any] = {"text": _slack_escape(content.chat)}
        else:
            document = {
                "schema": SCHEMA,
                "event": delivery.event,
                "id": str(delivery.uuid),
                "occurred_at": _time(delivery.occurred_at),
                "community": None
                if content.community is None
                else community_block(content.community),
                "data": content.data,
            }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
