"""Background work of the accounts app."""

from __future__ import annotations

import logging

from django.tasks import task
from django.utils import timezone

from guilde.accounts.member_rights import export_build
from guilde.accounts.models import DataExport
from guilde.core.scheduling import daily, periodic

logger = logging.getLogger(__name__)


@task()
def build_data_export(export_id: int) -> str:
    export = DataExport.objects.select_related("member").filter(pk=export_id).first()
    if export is None or export.status != DataExport.Status.PENDING:
        return "nothing to do"
    try:
        export_build(export)
    except Exception:
        DataExport.objects.filter(pk=export_id).update(
            status=DataExport.Status.FAILED, finished_at=timezone.now()
        )
        raise
    return "ready"


@periodic(daily(at="04:00"))
@task()
def delete_expired_exports() -> int:
    """Exports are kept a week; then the file and its record go."""
    expired = DataExport.objects.filter(expires_at__lt=timezone.now())
    count = 0
    for export in expired:
        if export.file:
            export.file.delete(save=False)
        export.delete()
        count += 1
    return count
