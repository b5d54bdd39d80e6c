"""Files members upload into a community: pictures and documents."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guilde.communities.models import Community


def upload_path(upload: Upload, filename: str) -> str:
    return f"uploads/{upload.community_id}/{upload.id}/{filename}"


class Upload(models.Model):
    """A stored file, readable by those who may read its community.

    The URL carries a random identifier, but that is not the protection: every download
    asks the permission framework.
    """

    class Kind(models.TextChoices):
        IMAGE = "image", _("Picture")
        DOCUMENT = "document", _("Document")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="uploads")
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="uploads"
    )
    file = models.FileField(_("file"), upload_to=upload_path, max_length=300)
    name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    size = models.PositiveBigIntegerField(_("size"))
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    sha256 = models.CharField(_("checksum"), max_length=64)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")
        indexes = [models.Index(fields=["community", "created_at"], name="upload_community_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def url(self) -> str:
        return reverse("uploads:file", args=[self.id, self.name])

    @property
    def is_image(self) -> bool:
        return self.kind == self.Kind.IMAGE
