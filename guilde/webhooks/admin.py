"""The webhooks in Django's admin, read-only and never with their secrets (they are managed
from their pages and the API, which check who asks)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from guilde.webhooks.models import Webhook


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin[Webhook]):
    list_display = ("name", "community", "format", "enabled", "disabled_reason", "owner")
    list_filter = ("enabled", "format")
    fields = (
        "name",
        "community",
        "owner",
        "url",
        "format",
        "events",
        "include_private",
        "enabled",
        "disabled_reason",
        "disabled_at",
        "consecutive_failures",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Webhook | None = None) -> bool:
        return False
