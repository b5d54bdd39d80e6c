from __future__ import annotations

from django.contrib import admin

from guilde.core.admin import RenderedTextAdmin
from guilde.onboarding.models import Buddy, Onboarding


@admin.register(Onboarding)
class OnboardingAdmin(RenderedTextAdmin[Onboarding]):
    list_display = ("community", "buddies", "updated_at")
    raw_id_fields = ("community", "starter_path", "introductions", "updated_by")


@admin.register(Buddy)
class BuddyAdmin(admin.ModelAdmin[Buddy]):
    list_display = ("community", "newcomer", "buddy", "status", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("community", "newcomer", "buddy")
