"""E-mail goes through the task queue, never out of a request.

``MAILERS["default"]`` is :class:`QueuedEmailBackend`: sending a message only enqueues a
``deliver_email`` task, in the caller's transaction (a rolled-back write sends nothing).
The worker hands the message to ``MAILERS["delivery"]`` — SMTP in production, a folder of
``.eml`` files in development (:class:`MailFolderBackend`).
"""

from __future__ import annotations

import base64
import logging
import os
from collections.abc import Sequence
from datetime import timedelta
from email.utils import make_msgid
from pathlib import Path
from typing import Any

from django.core.mail import EmailMessage, EmailMultiAlternatives, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.tasks import task
from django.utils import timezone

from guilde.core.retries import with_retries

logger = logging.getLogger(__name__)

DELIVERY_MAILER = "delivery"


def serialize_message(message: EmailMessage) -> dict[str, Any]:
    """A JSON-safe copy of ``message`` that :func:`deserialize_message` rebuilds."""
    attachments = []
    for attachment in message.attachments:
        filename, content, mimetype = attachment
        if isinstance(content, str):
            attachments.append({"filename": filename, "text": content, "mimetype": mimetype})
        elif isinstance(content, bytes):
            encoded = base64.b64encode(content).decode("ascii")
            attachments.append({"filename": filename, "base64": encoded, "mimetype": mimetype})
        else:
            raise TypeError(f"cannot queue an attachment of type {type(content).__name__}")
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": {str(k): str(v) for k, v in message.extra_headers.items()},
        "alternatives": [
            {"content": str(alt[0]), "mimetype": alt[1]}
            for alt in getattr(message, "alternatives", [])
        ],
        "attachments": attachments,
        "content_subtype": message.content_subtype,
    }


def deserialize_message(data: dict[str, Any]) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
    )
    message.content_subtype = data.get("content_subtype", "plain")
    for alt in data["alternatives"]:
        message.attach_alternative(alt["content"], alt["mimetype"])
    for att in data["attachments"]:
        content = att["text"] if "text" in att else base64.b64decode(att["base64"])
        message.attach(att["filename"], content, att["mimetype"])
    return message


@task(queue_name="default", priority=10)
@with_retries(attempts=6, backoff=timedelta(seconds=30))
def deliver_email(message: dict[str, Any]) -> int:
    """Hand one queued message to the delivery mailer (retried with backoff on failure)."""
    sent = mailers[DELIVERY_MAILER].send_messages([deserialize_message(message)])
    return int(sent or 0)


class QueuedEmailBackend(BaseEmailBackend):
    """Enqueue each message for the worker instead of sending it now."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        count = 0
        for message in email_messages:
            if not message.recipients():
                continue
            deliver_email.enqueue(serialize_message(message))
            count += 1
        return count


class MailFolderBackend(BaseEmailBackend):
    """Write each message as one ``.eml`` file in a folder (development default)."""

    def __init__(self, *, file_path: str | os.PathLike[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.folder = Path(file_path)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S-%f")
            unique = make_msgid().strip("<>").split("@")[0].replace(".", "-")
            path = self.folder / f"{stamp}-{unique}.eml"
            path.write_bytes(message.message().as_bytes())
            logger.info("mail to %s written to %s", ", ".join(message.recipients()), path)
        return len(email_messages)
