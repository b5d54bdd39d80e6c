"""Programmes and applications in the admin site. Relationships, goals, check-ins,
resources and feedback are deliberately absent: they are the pair's alone (issue 15), and
administrators see a programme's counts on its page like coordinators do."""

from __future__ import annotations

from django.contrib import admin

from guilde.core.admin import RenderedTextAdmin
from guilde.mentoring.models import Application, Programme


@admin.register(Programme)
class ProgrammeAdmin(RenderedTextAdmin[Programme]):
    list_display = ("name", "community", "status", "starts_on", "ends_on")
    list_filter = ("status",)
    search_fields = ("name",)
    raw_id_fields = ("created_by", "community")


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin[Application]):
    list_display = ("member", "programme", "role", "status", "capacity")
    list_filter = ("role", "status")
    raw_id_fields = ("programme", "member")
    filter_horizontal = ("skills",)
    exclude = ("avoid",)  # whom a mentee avoids is told to nobody
