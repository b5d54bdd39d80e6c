"""Reads of conversations: only ever the viewer's own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from guilde.accounts.models import User
from guilde.conversations.models import Conversation, Message, Participant
from guilde.core.permissions import require


def conversation_list(*, viewer: User) -> QuerySet[Conversation]:
    mine = Participant.objects.filter(conversation=OuterRef("pk"), member=viewer).values(
        "last_read_at"
    )[:1]
    never = Value(datetime(1970, 1, 1, tzinfo=UTC))
    return (
        Conversation.objects.filter(participants__member=viewer, participants__left_at__isnull=True)
        .annotate(my_last_read=Coalesce(Subquery(mine), never))
        .annotate(
            unread=Count(
                "messages",
                filter=Q(messages__created_at__gt=F("my_last_read")) & ~Q(messages__author=viewer),
                distinct=True,
            )
        )
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=Participant.objects.filter(left_at__isnull=True)
                .select_related("member")
                .order_by("pk"),
            )
        )
        .order_by("-last_message_at", "-pk")
    )


def conversation_get(*, viewer: User, pk: int) -> Conversation:
    conversation = Conversation.objects.filter(pk=pk).first()
    if conversation is None:
        raise Http404
    require(viewer, "view", conversation)
    return conversation


@dataclass(frozen=True)
class MessageRow:
    message: Message
    author_name: str
    is_mine: bool
    is_unread: bool


def messages_of(
    *, viewer: User, conversation: Conversation, last_read_at: datetime | None
) -> list[MessageRow]:
    rows = []
    for message in (
        Message.objects.filter(conversation=conversation)
        .select_related("author")
        .order_by("created_at", "pk")
    ):
        rows.append(
            MessageRow(
                message=message,
                author_name=message.author.name if message.author else "",
                is_mine=message.author_id == viewer.pk,
                is_unread=last_read_at is None or message.created_at > last_read_at,
            )
        )
    return rows


def unread_conversations(viewer: User) -> int:
    return sum(
        1 for conversation in conversation_list(viewer=viewer) if getattr(conversation, "unread", 0)
    )


def people(conversation: Conversation) -> list[User]:
    return [participant.member for participant in conversation.participants.all()]
