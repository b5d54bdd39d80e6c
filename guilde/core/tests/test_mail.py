from __future__ import annotations

import email
from email import policy

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives, mailers, send_mail
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from guilde.core.mail import MailFolderBackend, deserialize_message, serialize_message
from guilde.core.testing import run_queued_tasks


def test_a_message_survives_the_queue_intact():
    message = EmailMultiAlternatives(
        subject="Réunion de la communauté",
        body="Texte brut",
        from_email="guilde@example.org",
        to=["a@example.org"],
        cc=["b@example.org"],
        bcc=["c@example.org"],
        reply_to=["d@example.org"],
        headers={"List-Unsubscribe": "<https://example.org/u>"},
    )
    message.attach_alternative("<p>Texte <b>riche</b></p>", "text/html")
    message.attach("notes.txt", "des notes", "text/plain")
    message.attach("data.bin", b"\x00\x01\x02", "application/octet-stream")

    copy = deserialize_message(serialize_message(message))

    assert copy.subject == message.subject
    assert copy.recipients() == message.recipients()
    assert copy.reply_to == ["d@example.org"]
    assert copy.extra_headers["List-Unsubscribe"] == "<https://example.org/u>"
    assert copy.alternatives[0][0] == "<p>Texte <b>riche</b></p>"
    assert [a.filename for a in copy.attachments] == ["notes.txt", "data.bin"]
    assert copy.attachments[1].content == b"\x00\x01\x02"


@pytest.mark.django_db
@pytest.mark.urls("guilde.core.tests.urls")
def test_a_mail_sent_during_a_request_is_delivered_by_the_worker(client):
    response = client.get("/test/send-mail/")

    assert response.status_code == 200
    assert mail.outbox == []  # nothing left during the request...
    assert DBTaskResult.objects.filter(task_path="guilde.core.mail.deliver_email").count() == 1

    assert run_queued_tasks() == 1  # ...the worker delivers it
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Hello"
    assert mail.outbox[0].to == ["member@example.org"]


@pytest.mark.django_db
def test_a_rolled_back_write_sends_no_mail():
    def write_that_fails() -> None:
        with transaction.atomic():
            send_mail("Never", "This write failed.", None, ["member@example.org"])
            raise RuntimeError("the write fails")

    with pytest.raises(RuntimeError):
        write_that_fails()
    assert not DBTaskResult.objects.exists()
    assert run_queued_tasks() == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_delivery_failure_is_retried(settings):
    settings.MAILERS = {
        **settings.MAILERS,
        "delivery": {"BACKEND": "guilde.core.tests.sample_tasks.BrokenEmailBackend"},
    }
    send_mail("Retry me", "Body", None, ["member@example.org"])
    run_queued_tasks()
    statuses = sorted(DBTaskResult.objects.values_list("status", flat=True))
    assert statuses == ["FAILED", "READY"]  # the failed attempt, and the retry waiting


def test_the_mail_folder_gets_one_eml_file_per_message(tmp_path):
    backend = MailFolderBackend(file_path=tmp_path, alias="delivery")
    message = EmailMultiAlternatives(
        "Bienvenue", "Confirmez votre adresse.", "g@example.org", ["x@example.org"]
    )
    assert backend.send_messages([message, message]) == 2
    files = sorted(tmp_path.glob("*.eml"))
    assert len(files) == 2
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert parsed["Subject"] == "Bienvenue"
    assert parsed["To"] == "x@example.org"


def test_the_default_mailer_only_enqueues(settings):
    assert type(mailers.default).__name__ == "QueuedEmailBackend"


@pytest.mark.django_db
def test_a_queued_message_delivered_twice_is_one_message(settings, tmp_path):
    """A worker killed after handing a message over, before recording it, runs the task
    again: the message keeps the Message-ID it got when queued, so it is the same one."""
    from guilde.core.mail import deliver_email

    settings.MAILERS = {
        **settings.MAILERS,
        "delivery": {
            "BACKEND": "guilde.core.mail.MailFolderBackend",
            "OPTIONS": {"file_path": str(tmp_path)},
        },
    }
    send_mail("Une fois", "Body", None, ["member@example.org"])
    send_mail("Une fois", "Body", None, ["member@example.org"])  # another message
    rows = list(DBTaskResult.objects.ready().order_by("enqueued_at"))
    ids = [row.args_kwargs["args"][0]["headers"]["Message-ID"] for row in rows]
    assert len(set(ids)) == 2
    run_queued_tasks()
    deliver_email.call(*rows[0].args_kwargs["args"])  # the first, delivered again
    files = sorted(tmp_path.glob("*.eml"))
    assert len(files) == 2
    assert not list(tmp_path.glob("*.partial"))
    seen = {
        email.message_from_bytes(f.read_bytes(), policy=policy.default)["Message-ID"] for f in files
    }
    assert seen == set(ids)
