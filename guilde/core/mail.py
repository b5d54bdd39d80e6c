"""E-mail goes through the task queue, never out of a request.

``MAILERS["default"]`` is :class:`QueuedEmailBackend`: sending a message only enqueues a
``deliver_email`` task, in the caller's transaction (a rolled-back write sends nothing).
The worker hands the message to ``MAILERS["delivery"]`` — SMTP in production, a folder of
``.eml`` files in development (:class:`MailFolderBackend`).

A task runs at least once (a worker killed after handing a message over but before
recording it leaves the task to run again), so each message gets its ``Message-ID`` when it
is queued: a second delivery of it is the same message. The mail folder keeps one file per
``Message-ID``; mail servers and clients drop a repeated one.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import tempfile
from collections.abc import Sequence
from datetime import timedelta
from email.utils import make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.tasks import task

from guilde.core.retries import with_retries

logger = logging.getLogger(__name__)

DELIVERY_MAILER = "delivery"


def _message_id_domain() -> str:
    return urlsplit(str(settings.GUILDE_SITE_URL)).hostname or "guilde.invalid"


def serialize_message(message: EmailMessage) -> dict[str, Any]:
    """A JSON-safe copy of ``message`` that :func:`deserialize_message` rebuilds, with its
    ``Message-ID`` fixed now (every delivery attempt sends the same message)."""
    headers = {str(k): str(v) for k, v in message.extra_headers.items()}
    if not any(name.lower() == "message-id" for name in headers):
        headers["Message-ID"] = make_msgid(domain=_message_id_domain())
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
        "headers": headers,
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
    """Write each message as one ``.eml`` file in a folder (development default): the file
    is named after its ``Message-ID`` and written whole (a temporary file renamed), so the
    same message delivered twice is one file."""

    def __init__(self, *, file_path: str | os.PathLike[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.folder = Path(file_path)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            built = message.message()
            message_id = str(built["Message-ID"] or make_msgid())
            digest = hashlib.sha256(message_id.encode()).hexdigest()[:24]
            path = self.folder / f"{digest}.eml"
            if path.exists():
                logger.info("mail %s was delivered already (%s)", message_id, path)
                continue
            handle, scratch = tempfile.mkstemp(dir=self.folder, suffix=".partial")
            with os.fdopen(handle, "wb") as out:
                out.write(built.as_bytes())
            os.replace(scratch, path)
            logger.info("mail to %s written to %s", ", ".join(message.recipients()), path)
        return len(email_messages)
