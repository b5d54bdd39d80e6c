"""Webhooks hear the domain events (see guilde.core.events) and queue their deliveries.

Each handler reads the object once to find its community and when the event happened (the
delivery's ``occurred_at``, also part of its once-only key), then :func:`services.emit`
does the rest. With no webhook on anywhere, a handler costs one query.
"""

from __future__ import annotations

from datetime import datetime

from guilde.communities.models import Community, Membership
from guilde.core.events import subscriber
from guilde.discussions.models import Post, Thread
from guilde.events.models import Event
from guilde.knowledge.models import Article
from guilde.webhooks import services
from guilde.webhooks.models import EventKind, Webhook


def _none_on() -> bool:
    return not Webhook.objects.filter(enabled=True).exists()


@subscriber("thread.created")
def on_thread_created(thread_id: int) -> None:
    if _none_on():
        return
    thread = Thread.objects.select_related("community").filter(pk=thread_id).first()
    if thread is not None:
        services.emit(
            EventKind.THREAD_CREATED,
            community=thread.community,
            subject={"thread": thread.pk},
            occurred_at=thread.created_at,
        )


@subscriber("answer.accepted")
def on_answer_accepted(thread_id: int, post_id: int, actor_id: int) -> None:
    if _none_on():
        return
    thread = Thread.objects.select_related("community").filter(pk=thread_id).first()
    if thread is not None and thread.accepted_post_id == post_id and thread.accepted_at:
        services.emit(
            EventKind.ANSWER_ACCEPTED,
            community=thread.community,
            subject={"thread": thread.pk, "post": post_id},
            occurred_at=thread.accepted_at,
        )


@subscriber("article.verified")
def on_article_verified(article_id: int) -> None:
    if _none_on():
        return
    article = Article.objects.select_related("community").filter(pk=article_id).first()
    if article is not None and article.verified_at is not None:
        services.emit(
            EventKind.ARTICLE_VERIFIED,
            community=article.community,
            subject={"article": article.pk},
            occurred_at=article.verified_at,
        )


@subscriber("event.created")
def on_event_created(event_id: int) -> None:
    if _none_on():
        return
    event = Event.objects.select_related("community").filter(pk=event_id).first()
    if event is not None:
        services.emit(
            EventKind.EVENT_CREATED,
            community=event.community,
            subject={"event": event.pk},
            occurred_at=event.created_at,
        )


@subscriber("event.cancelled")
def on_event_cancelled(event_id: int) -> None:
    if _none_on():
        return
    event = Event.objects.select_related("community").filter(pk=event_id).first()
    if event is not None and event.status == Event.Status.CANCELLED:
        services.emit(
            EventKind.EVENT_CANCELLED,
            community=event.community,
            subject={"event": event.pk},
            occurred_at=event.updated_at,
        )


@subscriber("member.joined")
def on_member_joined(community_id: int, member_id: int) -> None:
    if _none_on():
        return
    membership = (
        Membership.objects.select_related("community")
        .filter(community_id=community_id, member_id=member_id, status=Membership.Status.ACTIVE)
        .first()
    )
    if membership is not None and membership.joined_at is not None:
        services.emit(
            EventKind.MEMBER_JOINED,
            community=membership.community,
            subject={"community": community_id, "member": member_id},
            occurred_at=membership.joined_at,
        )


@subscriber("post.deleted")
def on_post_deleted(post_id: int) -> None:
    _post_removed(EventKind.POST_DELETED, post_id, "deleted_at")


@subscriber("post.hidden")
def on_post_hidden(post_id: int) -> None:
    _post_removed(EventKind.POST_HIDDEN, post_id, "hidden_at")


def _post_removed(event: str, post_id: int, moment: str) -> None:
    if _none_on():
        return
    post = Post.objects.select_related("thread__community").filter(pk=post_id).first()
    if post is not None and (at := getattr(post, moment)) is not None:
        services.emit(
            event, community=post.thread.community, subject={"post": post.pk}, occurred_at=at
        )


@subscriber("post.purged")
def on_post_purged(
    post_id: int, thread_id: int, community_id: int, thread_removed: bool, at: str
) -> None:
    if _none_on():
        return
    community = Community.objects.filter(pk=community_id).first()
    if community is not None:
        services.emit(
            EventKind.POST_PURGED,
            community=community,
            subject={
                "community": community_id,
                "post": post_id,
                "thread": thread_id,
                "thread_removed": thread_removed,
            },
            occurred_at=datetime.fromisoformat(at),
        )
