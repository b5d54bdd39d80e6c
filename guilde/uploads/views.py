"""Serving uploads: only to those who may read their community, never as a web page."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from guilde.communities.selectors import community_get
from guilde.core.decorators import rate_limited
from guilde.core.permissions import can
from guilde.uploads import services
from guilde.uploads.models import Upload

FILE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


@require_GET
def upload_file(request: HttpRequest, upload_id: UUID, name: str) -> FileResponse:
    upload = Upload.objects.select_related("community").filter(pk=upload_id).first()
    if upload is None or upload.name != name or not can(request.user, "view", upload.community):
        raise Http404
    response = FileResponse(
        upload.file.open("rb"),
        content_type=upload.content_type,
        as_attachment=not upload.is_image,
        filename=upload.name,
    )
    if upload.is_image:
        response["Content-Disposition"] = f'inline; filename="{upload.name}"'
    # Whatever a browser makes of the bytes, it runs nothing and loads nothing from them.
    response["Content-Security-Policy"] = FILE_POLICY
    response["Cache-Control"] = "private, max-age=3600"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@login_required
@require_POST
@rate_limited("page_write")
def upload_create(request: HttpRequest, slug: str) -> HttpResponse:
    """From the composer (htmx): store the file, answer with the Markdown that shows it."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from guilde.accounts.models import User

    if not isinstance(request.user, User):
        raise PermissionDenied
    community = community_get(viewer=request.user, slug=slug, action="post")
    uploaded = request.FILES.get("file")
    if uploaded is None:
        return render(request, "uploads/_result.html", {"error": "no file"}, status=400)
    try:
        upload = services.upload_create(
            actor=request.user, community=community, file=uploaded, name=uploaded.name or "file"
        )
    except ValidationError as error:
        return render(
            request, "uploads/_result.html", {"error": " ".join(error.messages)}, status=422
        )
    return render(request, "uploads/_result.html", {"upload": upload})
