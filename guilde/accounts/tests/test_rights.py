"""Members' rights: nothing personal survives an account deletion; an export holds it all."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from django.core import mail

from guilde.accounts.models import DataExport, User
from guilde.accounts.tests.factories import PASSWORD, MemberFactory
from guilde.core.testing import run_queued_tasks


@pytest.mark.django_db
def test_the_export_is_built_by_the_worker_mailed_and_private(client):
    member = MemberFactory.create()
    other = MemberFactory.create()
    client.force_login(member)
    response = client.post("/settings/data/", {"export": "1"})
    assert response.status_code == 302
    export = DataExport.objects.get(member=member)
    assert export.status == DataExport.Status.PENDING
    assert mail.outbox == []

    run_queued_tasks()
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY
    assert export.expires_at is not None
    assert export.finished_at is not None
    assert export.expires_at - export.finished_at == timedelta(days=7)
    assert [m.to for m in mail.outbox] == [[member.email]]
    assert "/settings/data/" in mail.outbox[0].body

    download = client.get(f"/settings/data/exports/{export.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).read("profile.json")

    client.force_login(other)
    assert client.get(f"/settings/data/exports/{export.pk}/download/").status_code == 404
    client.logout()
    assert client.get(f"/settings/data/exports/{export.pk}/download/").status_code == 302


@pytest.mark.django_db
def test_deleting_an_account_from_the_settings_page_needs_the_password(client):
    member = MemberFactory.create()
    client.force_login(member)
    refused = client.post(
        "/settings/data/",
        {"delete": "1", "contributions": "erase", "password": "wrong", "confirm": "on"},
    )
    assert refused.status_code == 200
    assert User.objects.filter(pk=member.pk).exists()
    done = client.post(
        "/settings/data/",
        {"delete": "1", "contributions": "erase", "password": PASSWORD, "confirm": "on"},
    )
    assert done.status_code == 302
    assert not User.objects.filter(pk=member.pk).exists()
