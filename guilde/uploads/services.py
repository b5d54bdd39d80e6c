"""The uploads service: what may be stored, and how it is made safe.

A file is judged by its bytes, never by its name or the browser's claim:

- pictures (PNG, JPEG, WebP, GIF, read by Pillow) are decoded and re-encoded as WebP:
  metadata (EXIF position, comments) and anything smuggled after the pixels are gone;
  animations stay animations;
- documents are accepted when their content is a PDF, an Office Open XML or OpenDocument
  file (checked inside the zip), or UTF-8 plain text (.txt, .md, .csv); the stored name
  takes the extension of what the content is;
- anything that a browser could take for HTML, SVG or XML — whatever its name — is
  refused, and so is everything else.

Files are stored through Django's storage API under the data folder, never under the
static root, and served only by :mod:`guilde.uploads.views`, which checks the permission
and sends ``Content-Disposition`` (pictures inline as WebP, documents as attachments).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
from dataclasses import dataclass
from typing import IO

import puremagic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from guilde.accounts.models import User
from guilde.communities.models import Community
from guilde.core import indexing
from guilde.core.images import ACCEPTED_FORMATS, MAX_PIXELS
from guilde.core.permissions import require
from guilde.uploads.models import Upload

MAX_IMAGE_SIDE = 2560
SNIFFABLE = re.compile(
    rb"<\s*(!doctype|html|head|body|script|svg|iframe|object|embed|\?xml)", re.IGNORECASE
)
TEXT_EXTENSIONS = {".txt": "text/plain", ".md": "text/markdown", ".csv": "text/csv"}
OFFICE = {
    "word/": (".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xl/": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "ppt/": (".pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
}
OPENDOCUMENT = {
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.oasis.opendocument.presentation": ".odp",
}


@dataclass(frozen=True)
class Checked:
    content: bytes
    content_type: str
    extension: str
    kind: str
    width: int | None = None
    height: int | None = None


def max_bytes() -> int:
    return int(getattr(settings, "GUILDE_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))


def _as_picture(data: bytes) -> Checked | None:
    """The re-encoded picture, None if ``data`` is no picture, ValidationError if a bad one."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            picture_format = probe.format
            if picture_format not in ACCEPTED_FORMATS:
                return None
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError(_("The picture has too many pixels."))
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            frames = getattr(image, "n_frames", 1)
            out = io.BytesIO()
            if frames > 1:
                image.save(out, format="WEBP", save_all=True, quality=85, method=4)
                width, height = image.size
            else:
                upright = ImageOps.exif_transpose(image)
                upright.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
                converted = upright.convert(
                    "RGBA" if "A" in upright.getbands() or upright.mode == "P" else "RGB"
                )
                converted.save(out, format="WEBP", quality=85, method=4)
                width, height = converted.size
    except (UnidentifiedImageError, Image.DecompressionBombError):
        return None
    except (OSError, SyntaxError, ValueError) as error:
        raise ValidationError(_("This picture is damaged and cannot be read.")) from error
    return Checked(out.getvalue(), "image/webp", ".webp", Upload.Kind.IMAGE, width, height)


def _as_document(data: bytes, name: str) -> Checked | None:
    extension = os.path.splitext(name)[1].lower()
    try:
        detected = puremagic.from_string(data, mime=True)
    except puremagic.PureError:
        detected = ""
    if detected == "application/pdf" and data.startswith(b"%PDF-"):
        return Checked(data, "application/pdf", ".pdf", Upload.Kind.DOCUMENT)
    if data.startswith(b"PK\x03\x04"):
        return _zip_document(data)
    if not detected and extension in TEXT_EXTENSIONS:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if b"\x00" in data:
            return None
        return Checked(data, TEXT_EXTENSIONS[extension], extension, Upload.Kind.DOCUMENT)
    return None


def _zip_document(data: bytes) -> Checked | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                mime = archive.read("mimetype").decode("ascii", "replace").strip()
                if mime in OPENDOCUMENT:
                    return Checked(data, mime, OPENDOCUMENT[mime], Upload.Kind.DOCUMENT)
                return None
            if "[Content_Types].xml" in names:
                for prefix, (extension, mime) in OFFICE.items():
                    if any(entry.startswith(prefix) for entry in names):
                        return Checked(data, mime, extension, Upload.Kind.DOCUMENT)
    except (zipfile.BadZipFile, ValueError):
        return None
    return None


def check(data: bytes, name: str) -> Checked:
    """What ``data`` really is, made safe to store, or a ValidationError saying why not."""
    if not data:
        raise ValidationError(_("The file is empty."))
    if len(data) > max_bytes():
        raise ValidationError(
            _("The file is larger than %(limit)s MB."), params={"limit": max_bytes() // 2**20}
        )
    picture = _as_picture(data)
    if picture is not None:
        return picture
    if SNIFFABLE.search(data[:4096]):
        raise ValidationError(_("Web pages, SVG and XML files cannot be uploaded."))
    document = _as_document(data, name)
    if document is None:
        raise ValidationError(
            _(
                "This kind of file cannot be uploaded. Pictures, PDF, Office and "
                "OpenDocument files and plain text can."
            )
        )
    return document


def check_stored(data: bytes, name: str) -> Checked:
    """:func:`check` for a file another Guilde instance stored (from a community archive).

    A picture already in the stored form — WebP within the limits, which Pillow reads
    through — is kept byte for byte, so an archive's round trip changes nothing; anything
    else is checked and re-encoded like a new upload. The type always comes from the bytes.
    """
    if 0 < len(data) <= max_bytes():
        try:
            with Image.open(io.BytesIO(data)) as probe:
                width, height = probe.size
                if (
                    probe.format == "WEBP"
                    and max(width, height) <= MAX_IMAGE_SIDE
                    and width * height <= MAX_PIXELS
                ):
                    probe.verify()
                    return Checked(data, "image/webp", ".webp", Upload.Kind.IMAGE, width, height)
        except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError):
            pass
    return check(data, name)


def safe_name(original: str, extension: str) -> str:
    stem = os.path.splitext(os.path.basename(original))[0][:80] or "file"
    cleaned = get_valid_filename(stem.replace("/", "_")) or "file"
    return f"{cleaned}{extension}"


@transaction.atomic
def upload_create(*, actor: User, community: Community, file: IO[bytes], name: str) -> Upload:
    """Store a file for use in ``community`` (those who may post there may upload)."""
    require(actor, "post", community)
    data = file.read(max_bytes() + 1)
    checked = check(data, name)
    upload = Upload(
        community=community,
        uploader=actor,
        name=safe_name(name, checked.extension),
        content_type=checked.content_type,
        kind=checked.kind,
        size=len(checked.content),
        width=checked.width,
        height=checked.height,
        sha256=hashlib.sha256(checked.content).hexdigest(),
    )
    upload.file.save(upload.name, ContentFile(checked.content), save=False)
    upload.save()
    indexing.changed("upload", upload.pk)
    return upload


def uploads_delete(uploads: list[Upload]) -> None:
    """Delete uploads and, once the transaction commits, their files."""
    from guilde.core.images import delete_files_on_commit

    names = [u.file.name for u in uploads if u.file.name]
    Upload.objects.filter(pk__in=[u.pk for u in uploads]).delete()
    delete_files_on_commit(Upload.file.field.storage, names)
