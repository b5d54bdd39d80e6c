from __future__ import annotations

from django.contrib import admin

from guilde.core.admin import RenderedTextAdmin
from guilde.knowledge.models import Article, LearningPath


@admin.register(Article)
class ArticleAdmin(RenderedTextAdmin[Article]):
    list_display = ("title", "community", "kind", "status", "updated_at")
    list_filter = ("status", "kind")
    search_fields = ("title",)
    raw_id_fields = ("created_by", "verified_by", "replaced_by", "source_thread")
    filter_horizontal = ("tags", "attachments")


@admin.register(LearningPath)
class LearningPathAdmin(admin.ModelAdmin[LearningPath]):
    list_display = ("title", "community", "position")
