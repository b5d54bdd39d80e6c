"""API of direct messages and blocks: only ever the caller's own conversations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from guilde.accounts.api import refused, signed_in
from guilde.accounts.models import Block, User
from guilde.api.auth import member_auth
from guilde.api.pagination import CursorPage, PageParams, paginate_queryset
from guilde.conversations import selectors, services
from guilde.conversations.models import Conversation, Message

router = Router(tags=["direct messages"])


class ConversationOut(Schema):
    id: int
    subject: str
    participants: list[str]
    last_message_at: datetime
    unread: int


class ConversationIn(Schema):
    to: list[str] = Field(..., min_length=1, max_length=9, description="Usernames.")
    subject: str = Field("", max_length=200)
    body: str = Field(..., min_length=1, max_length=20_000)


class MessageOut(Schema):
    id: int
    author: str | None
    body: str
    body_html: str
    created_at: datetime


class MessageIn(Schema):
    body: str = Field(..., min_length=1, max_length=20_000)


class MessageReportIn(Schema):
    reason: str = Field(..., min_length=1, max_length=2000)


class BlockOut(Schema):
    username: str
    since: datetime


def _conversation_out(conversation: Conversation, viewer: User) -> dict[str, Any]:
    return {
        "id": conversation.pk,
        "subject": conversation.subject,
        "participants": [p.member.username for p in conversation.participants.all()],
        "last_message_at": conversation.last_message_at,
        "unread": getattr(conversation, "unread", 0),
    }


@router.get("/me/conversations", response=CursorPage[ConversationOut], auth=member_auth)
def conversation_list(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    member = signed_in(request)
    result = paginate_queryset(
        request, selectors.conversation_list(viewer=member), page, ordering=("-id",)
    )
    return {**result, "results": [_conversation_out(c, member) for c in result["results"]]}


@router.post("/me/conversations", response={201: ConversationOut}, auth=member_auth)
def conversation_start(request: HttpRequest, data: ConversationIn) -> Status[dict[str, Any]]:
    member = signed_in(request)
    recipients = list(User.objects.real().filter(username__in=data.to))
    if len(recipients) != len(set(data.to)):
        raise HttpError(422, "Unknown members among the recipients.")
    try:
        conversation = services.conversation_start(
            sender=member, recipients=recipients, body=data.body, subject=data.subject
        )
    except (ValidationError, PermissionDenied) as error:
        raise refused(error) from error
    found = selectors.conversation_list(viewer=member).get(pk=conversation.pk)
    return Status(201, _conversation_out(found, member))


@router.get(
    "/me/conversations/{conversation_id}/messages",
    response=CursorPage[MessageOut],
    auth=member_auth,
)
def message_list(
    request: HttpRequest, conversation_id: int, page: Query[PageParams]
) -> dict[str, Any]:
    member = signed_in(request)
    conversation = selectors.conversation_get(viewer=member, pk=conversation_id)
    messages = Message.objects.filter(conversation=conversation).select_related("author")
    result = paginate_queryset(request, messages, page, ordering=("id",))
    services.conversation_read(member=member, conversation=conversation)
    return {
        **result,
        "results": [
            {
                "id": m.pk,
                "author": m.author.username if m.author else None,
                "body": m.body,
                "body_html": m.body_html,
                "created_at": m.created_at,
            }
            for m in result["results"]
        ],
    }


@router.post(
    "/me/conversations/{conversation_id}/messages", response={201: MessageOut}, auth=member_auth
)
def message_send(
    request: HttpRequest, conversation_id: int, data: MessageIn
) -> Status[dict[str, Any]]:
    member = signed_in(request)
    conversation = selectors.conversation_get(viewer=member, pk=conversation_id)
    try:
        message = services.message_send(sender=member, conversation=conversation, body=data.body)
    except (ValidationError, PermissionDenied) as error:
        raise refused(error) from error
    return Status(
        201,
        {
            "id": message.pk,
            "author": member.username,
            "body": message.body,
            "body_html": message.body_html,
            "created_at": message.created_at,
        },
    )


@router.post("/me/conversations/{conversation_id}/leave", response={204: None}, auth=member_auth)
def conversation_leave(request: HttpRequest, conversation_id: int) -> Status[None]:
    member = signed_in(request)
    services.conversation_leave(
        member=member, conversation=selectors.conversation_get(viewer=member, pk=conversation_id)
    )
    return Status(204, None)


@router.post("/me/messages/{message_id}/report", response={201: None}, auth=member_auth)
def message_report(request: HttpRequest, message_id: int, data: MessageReportIn) -> Status[None]:
    member = signed_in(request)
    message = get_object_or_404(Message.objects.select_related("conversation"), pk=message_id)
    selectors.conversation_get(viewer=member, pk=message.conversation_id)
    services.message_report(reporter=member, message=message, reason=data.reason)
    return Status(201, None)


@router.get("/me/blocks", response=list[BlockOut], auth=member_auth, tags=["members"])
def block_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {"username": b.blocked.username, "since": b.created_at}
        for b in Block.objects.filter(blocker=signed_in(request)).select_related("blocked")
    ]


@router.put("/me/blocks/{username}", response={204: None}, auth=member_auth, tags=["members"])
def block_add(request: HttpRequest, username: str) -> Status[None]:
    member = signed_in(request)
    other = get_object_or_404(User.objects.real(), username=username)
    try:
        services.block_set(blocker=member, blocked=other, on=True)
    except ValidationError as error:
        raise refused(error) from error
    return Status(204, None)


@router.delete("/me/blocks/{username}", response={204: None}, auth=member_auth, tags=["members"])
def block_remove(request: HttpRequest, username: str) -> Status[None]:
    member = signed_in(request)
    other = get_object_or_404(User, username=username)
    services.block_set(blocker=member, blocked=other, on=False)
    return Status(204, None)
