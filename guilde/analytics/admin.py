from __future__ import annotations

from django.contrib import admin

from guilde.analytics.models import Snapshot


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin[Snapshot]):
    list_display = ("community", "day", "computed_at")
    list_filter = ("day",)
    raw_id_fields = ("community",)
    readonly_fields = ("community", "day", "computed_at", "counts", "periods")
