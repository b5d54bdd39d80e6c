from __future__ import annotations

from django.contrib import admin

from guilde.uploads.models import Upload


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin[Upload]):
    list_display = ("name", "community", "kind", "size", "uploader", "created_at")
    list_filter = ("kind",)
    readonly_fields = ("id", "file", "content_type", "size", "sha256", "width", "height")
    raw_id_fields = ("uploader",)
