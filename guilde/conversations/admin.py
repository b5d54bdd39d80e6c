"""Administrators see reported messages — those, and nothing else of direct messages."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guilde.conversations.models import MessageReport


@admin.register(MessageReport)
class MessageReportAdmin(admin.ModelAdmin[MessageReport]):
    list_display = ("pk", "reporter", "created_at", "status")
    list_filter = ("status",)
    fields = ("reporter", "reason", "reported_message", "status", "handled_by", "handled_at")
    readonly_fields = ("reporter", "reason", "reported_message", "handled_by", "handled_at")
    actions = ["mark_handled"]

    @admin.display(description=_("reported message"))
    def reported_message(self, report: MessageReport) -> str:
        author = report.message.author.name if report.message.author else "—"
        return f"{author}: {report.message.body}"

    @admin.action(description=_("Mark as handled"))
    def mark_handled(self, request: HttpRequest, queryset: QuerySet[MessageReport]) -> None:
        queryset.update(
            status=MessageReport.Status.HANDLED, handled_by=request.user, handled_at=timezone.now()
        )
