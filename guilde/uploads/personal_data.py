"""What the uploads app holds about members (see guilde.accounts.rights)."""

from __future__ import annotations

from typing import Any

from django.db.models.fields.files import FieldFile

from guilde.accounts.models import User
from guilde.accounts.rights import (
    DeletionContext,
    Handling,
    classify,
    exporter,
    file_collector,
    on_account_deletion,
)
from guilde.uploads.models import Upload
from guilde.uploads.services import uploads_delete

classify(
    "uploads.Upload",
    Handling.CONTRIBUTION,
    "files the member uploaded into communities: kept, or erased with their contributions",
    export_part="uploads",
    owner_field="uploader",
)


@on_account_deletion(order=60)
def erase_uploads(context: DeletionContext) -> None:
    if not context.keep_contributions:
        uploads_delete(list(Upload.objects.filter(uploader=context.member)))


@exporter("uploads")
def export_uploads(member: User) -> list[dict[str, Any]]:
    return [
        {
            "id": str(u.pk),
            "name": u.name,
            "community": u.community.name,
            "type": u.content_type,
            "created_at": u.created_at,
        }
        for u in Upload.objects.filter(uploader=member).select_related("community")
    ]


@file_collector
def collect_uploads(member: User) -> list[tuple[str, FieldFile]]:
    return [(f"uploads/{u.pk}/{u.name}", u.file) for u in Upload.objects.filter(uploader=member)]
