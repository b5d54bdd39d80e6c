"""What direct messages hold about members (see guilde.accounts.rights)."""

from __future__ import annotations

from typing import Any

from guilde.accounts.models import Block, User
from guilde.accounts.rights import (
    DeletionContext,
    Handling,
    classify,
    exporter,
    on_account_deletion,
)
from guilde.conversations.models import Conversation, Message, MessageReport, Participant
from guilde.conversations.services import render_message
from guilde.core.markdown import forget_mentions

classify(
    "conversations.Conversation",
    Handling.CUSTOM,
    "conversations stay for the other participants; the member is no longer named as starting them",
)
classify(
    "conversations.Participant",
    Handling.OWNED,
    "the member's place in conversations",
    export_part="conversations",
)
classify(
    "conversations.Message",
    Handling.CONTRIBUTION,
    "messages the member wrote: kept for the others, signed 'deleted member', or erased",
    export_part="messages",
    owner_field="author",
)
classify(
    "conversations.MessageReport",
    Handling.OWNED,
    "messages the member reported",
    export_part="message_reports",
    owner_field="reporter",
)
classify(
    "accounts.Block",
    Handling.OWNED,
    "members the member blocked",
    export_part="blocks",
    owner_field="blocker",
)


@on_account_deletion(order=65)
def forget_conversations(context: DeletionContext) -> None:
    member = context.member
    Participant.objects.filter(member=member).delete()
    Conversation.objects.filter(created_by=member).update(created_by=None)
    MessageReport.objects.filter(reporter=member).delete()
    MessageReport.objects.filter(handled_by=member).update(handled_by=None)
    Block.objects.filter(blocker=member).delete()
    Block.objects.filter(blocked=member).delete()
    if not context.keep_contributions:
        Message.objects.filter(author=member).delete()
    for message in Message.objects.filter(body__icontains=f"@{member.username}"):
        body = forget_mentions(message.body, member.username)
        Message.objects.filter(pk=message.pk).update(body=body, body_html=render_message(body))


@exporter("conversations")
def export_conversations(member: User) -> list[dict[str, Any]]:
    return [
        {"id": p.pk, "conversation": p.conversation_id, "subject": p.conversation.subject}
        for p in Participant.objects.filter(member=member).select_related("conversation")
    ]


@exporter("messages")
def export_messages(member: User) -> list[dict[str, Any]]:
    return [
        {"id": m.pk, "conversation": m.conversation_id, "body": m.body, "created_at": m.created_at}
        for m in Message.objects.filter(author=member)
    ]


@exporter("message_reports")
def export_message_reports(member: User) -> list[dict[str, Any]]:
    return [
        {"id": r.pk, "message": r.message_id, "reason": r.reason}
        for r in MessageReport.objects.filter(reporter=member)
    ]


@exporter("blocks")
def export_blocks(member: User) -> list[dict[str, Any]]:
    return [
        {"id": b.pk, "blocked": b.blocked.username}
        for b in Block.objects.filter(blocker=member).select_related("blocked")
    ]
