from __future__ import annotations

from django.contrib import admin

from guilde.notifications.models import EmailAddressStatus


@admin.register(EmailAddressStatus)
class EmailAddressStatusAdmin(admin.ModelAdmin[EmailAddressStatus]):
    list_display = ("email", "hard_bounces", "soft_bounces", "complaints", "suppressed_at")
    search_fields = ("email",)
