"""Background jobs of the search: attachments' text, the analyser check, the log's memory."""

from __future__ import annotations

import logging

from django.db import transaction
from django.tasks import task

from guilde.core.scheduling import daily, every, periodic
from guilde.search import analysis, index, services
from guilde.search.backends import backend
from guilde.search.models import AttachmentText, SearchDocument
from guilde.uploads.models import Upload
from guilde.uploads.text import extract_text

logger = logging.getLogger(__name__)


@task()
def extract_attachment_text(upload_id: str) -> int:
    """Read an uploaded document's text (PDF, office, OpenDocument, plain text) and index
    it where the document is used. Returns the characters found."""
    upload = Upload.objects.filter(pk=upload_id).first()
    if upload is None or upload.kind != Upload.Kind.DOCUMENT:
        return 0
    try:
        with upload.file.open("rb") as stored:
            data = stored.read()
    except OSError:
        logger.warning("upload %s: file missing, no text extracted", upload_id)
        data = b""
    text = extract_text(data, upload.content_type)
    with transaction.atomic():
        if Upload.objects.filter(pk=upload_id).exists():
            AttachmentText.objects.update_or_create(upload_id=upload.pk, defaults={"text": text})
            index.index_uploads([upload.pk])
    return len(text)


@task()
def reindex_community(community_id: int) -> int:
    """Analyse a community's content again (its language changed)."""
    index.index_community_content([community_id])
    return SearchDocument.objects.filter(community_id=community_id).count()


@periodic(every(minutes=10))
@task()
def rebuild_if_analyser_changed() -> int:
    """When the analyser's version differs from the one the index was built with, rebuild
    it (the site keeps serving the old documents until each batch is replaced)."""
    if index.stored_analyser_version() == analysis.ANALYSER_VERSION:
        return 0
    return index.rebuild()


@periodic(every(minutes=10))
@task()
def trim_recent_documents() -> int:
    """Keep the search index's recent part to its size (ranking.RECENT_DOCUMENTS)."""
    return backend().trim()


@periodic(daily(at="03:40"))
@task()
def forget_search_identities() -> int:
    """Searches older than 30 days no longer say who made them."""
    return services.forget_identities()
