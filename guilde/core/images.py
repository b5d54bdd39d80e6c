"""Pictures members upload (avatars, logos): checked by content, re-encoded, metadata gone.

A file is accepted only if Pillow recognises it as PNG, JPEG, WebP or GIF from its bytes
(never from its name), within size and pixel limits; what is stored is a new WebP image
drawn from the decoded pixels, so nothing of the original file — EXIF location, comments,
embedded scripts, polyglot payloads — survives.
"""

from __future__ import annotations

import io
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.storage import Storage
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError


def delete_files_on_commit(storage: Storage, names: list[str]) -> None:
    """Delete stored files once the current transaction commits (never for a rollback)."""

    def delete() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete)


ACCEPTED_FORMATS = frozenset({"PNG", "JPEG", "WEBP", "GIF"})
MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000


def square_thumbnail(upload: IO[bytes], *, size: int = 256, max_bytes: int = MAX_BYTES) -> bytes:
    """A ``size``×``size`` WebP image cut from the centre of ``upload``.

    Raises ``ValidationError`` with a message fit for the member on any bad input.
    """
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationError(
            _("The picture is larger than %(limit)s MB."), params={"limit": max_bytes // 2**20}
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise ValidationError(_("Use a PNG, JPEG, WebP or GIF picture."))
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError(_("The picture has too many pixels."))
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.seek(0)
            upright = ImageOps.exif_transpose(image)
            rgba = upright.convert("RGBA")
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as error:
        raise ValidationError(_("This file is not a picture we can read.")) from error
    fitted = ImageOps.fit(rgba, (size, size), method=Image.Resampling.LANCZOS)
    out = io.BytesIO()
    fitted.save(out, format="WEBP", quality=85, method=4)
    return out.getvalue()


def stored_square(data: bytes, *, size: int = 256) -> bytes:
    """A square picture another Guilde instance stored (from a community archive): kept
    byte for byte if it already is a ``size``×``size`` WebP Pillow reads through, else made
    one by :func:`square_thumbnail`."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format == "WEBP" and probe.size == (size, size) and len(data) <= MAX_BYTES:
                probe.verify()
                return data
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        pass
    return square_thumbnail(io.BytesIO(data), size=size)
