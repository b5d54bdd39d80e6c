"""Direct messages: starting conversations, writing, leaving, blocking, reporting."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guilde.accounts.models import Block, User
from guilde.accounts.visibility import shared_member_ids
from guilde.conversations.models import (
    MAX_PARTICIPANTS,
    Conversation,
    Message,
    MessageReport,
    Participant,
)
from guilde.core.events import publish
from guilde.core.markdown import render
from guilde.core.permissions import require
from guilde.notifications import services as notifications


def may_message(sender: User, recipient: User) -> bool:
    """Recipients accept messages from anyone, or from people they share a community with;
    nobody messages someone who blocked them, or whom they blocked."""
    if (
        recipient.pk == sender.pk
        or not recipient.is_active
        or recipient.is_placeholder
        or recipient.deleted_at
        or sender.is_silenced()
    ):
        return False
    if Block.objects.filter(blocker=recipient, blocked=sender).exists():
        return False
    if Block.objects.filter(blocker=sender, blocked=recipient).exists():
        return False
    if recipient.messages_from == User.MessagesFrom.ANYONE:
        return True
    return recipient.pk in shared_member_ids(sender, {recipient.pk})


def render_message(body: str) -> str:
    return render(
        body,
        resolve_usernames=lambda names: (
            User.objects.real().filter(username__in=names).values_list("username", flat=True)
        ),
    ).html


@transaction.atomic
def conversation_start(
    *, sender: User, recipients: Iterable[User], body: str, subject: str = ""
) -> Conversation:
    others = {member.pk: member for member in recipients if member.pk != sender.pk}
    if not others:
        raise ValidationError(_("Choose at least one person to write to."))
    if len(others) + 1 > MAX_PARTICIPANTS:
        raise ValidationError(
            _("A conversation has %(count)s people at most."), params={"count": MAX_PARTICIPANTS}
        )
    refused = [member.name for member in others.values() if not may_message(sender, member)]
    if refused:
        raise PermissionDenied(
            _("You cannot write to: %(names)s.") % {"names": ", ".join(sorted(refused))}
        )
    if not body.strip():
        raise ValidationError(_("Write something first."))
    conversation = Conversation.objects.create(subject=subject.strip()[:200], created_by=sender)
    Participant.objects.bulk_create(
        [
            Participant(conversation=conversation, member=member)
            for member in [sender, *others.values()]
        ]
    )
    message_send(sender=sender, conversation=conversation, body=body)
    return conversation


@transaction.atomic
def message_send(*, sender: User, conversation: Conversation, body: str) -> Message:
    require(sender, "write", conversation)
    if sender.is_silenced():
        raise PermissionDenied(_("Your account is silenced: you cannot write for now."))
    if not body.strip():
        raise ValidationError(_("Write something first."))
    others = list(
        Participant.objects.filter(conversation=conversation, left_at__isnull=True)
        .exclude(member=sender)
        .select_related("member")
    )
    if others and all(
        Block.objects.filter(blocker=p.member, blocked=sender).exists() for p in others
    ):
        raise PermissionDenied(_("Nobody in this conversation accepts your messages."))
    now = timezone.now()
    message = Message.objects.create(
        conversation=conversation,
        author=sender,
        body=body,
        body_html=render_message(body),
        created_at=now,
    )
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=now)
    Participant.objects.filter(conversation=conversation, member=sender).update(last_read_at=now)
    publish("message.created", message_id=message.pk)
    return message


def conversation_read(*, member: User, conversation: Conversation) -> None:
    """The member read the conversation: its messages, and the notification about them."""
    Participant.objects.filter(conversation=conversation, member=member).update(
        last_read_at=timezone.now()
    )
    notifications.batch_read(member=member, batch_key=batch_key(conversation))


def batch_key(conversation: Conversation) -> str:
    """The key that folds a conversation's new messages into one notification."""
    return f"conversation:{conversation.pk}"


@transaction.atomic
def conversation_leave(*, member: User, conversation: Conversation) -> None:
    require(member, "view", conversation)
    Participant.objects.filter(conversation=conversation, member=member).update(
        left_at=timezone.now()
    )


@transaction.atomic
def block_set(*, blocker: User, blocked: User, on: bool) -> None:
    if blocker.pk == blocked.pk:
        raise ValidationError(_("You cannot block yourself."))
    if on:
        try:
            with transaction.atomic():
                Block.objects.create(blocker=blocker, blocked=blocked)
        except IntegrityError:
            pass
    else:
        Block.objects.filter(blocker=blocker, blocked=blocked).delete()


@transaction.atomic
def message_report(*, reporter: User, message: Message, reason: str) -> MessageReport:
    """A participant shows one message to the administrators."""
    require(reporter, "view", message.conversation)
    if not reason.strip():
        raise ValidationError(_("Say what is wrong with this message."))
    report, _created = MessageReport.objects.get_or_create(
        message=message, reporter=reporter, defaults={"reason": reason.strip()[:2000]}
    )
    return report
