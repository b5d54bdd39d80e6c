from __future__ import annotations

from django.contrib import admin

from guilde.core.admin import RenderedTextAdmin
from guilde.events.models import Event, Registration


@admin.register(Event)
class EventAdmin(RenderedTextAdmin[Event]):
    list_display = ("title", "community", "kind", "format", "start", "time_zone", "status")
    list_filter = ("status", "kind", "format")
    search_fields = ("title",)
    raw_id_fields = ("created_by",)
    filter_horizontal = ("tags",)


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin[Registration]):
    list_display = ("event", "member", "occurrence", "response", "waitlisted", "attendance")
    list_filter = ("response", "waitlisted", "attendance")
    raw_id_fields = ("event", "member")
