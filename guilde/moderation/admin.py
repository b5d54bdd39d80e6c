"""Administrators find flags and appeals in the admin too (the queue pages are the usual way)."""

from __future__ import annotations

from django.contrib import admin

from guilde.communities.models import ModerationLogEntry
from guilde.moderation.models import Appeal, Flag


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin[Flag]):
    list_display = ("pk", "post", "reason", "status", "created_at")
    list_filter = ("status", "reason")
    raw_id_fields = ("post", "flagger", "resolved_by")


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin[Appeal]):
    list_display = ("pk", "member", "community", "status", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("decision", "member", "decided_by", "community")


@admin.register(ModerationLogEntry)
class ModerationLogAdmin(admin.ModelAdmin[ModerationLogEntry]):
    """Read-only: the log is a record."""

    list_display = ("created_at", "community", "actor", "action", "target_label", "member")
    list_filter = ("action",)
    search_fields = ("target_label", "reason")

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
