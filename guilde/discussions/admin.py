from __future__ import annotations

from django.contrib import admin

from guilde.core.admin import RenderedTextAdmin
from guilde.discussions.models import Category, Post, Thread


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ("name", "community", "position")
    list_filter = ("community",)


class PostInline(admin.TabularInline[Post, Thread]):
    model = Post
    extra = 0
    fields = ("position", "author", "created_at", "deleted_at", "hidden_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin[Thread]):
    list_display = (
        "title",
        "community",
        "kind",
        "author",
        "reply_count",
        "last_activity_at",
        "deleted_at",
        "hidden_at",
    )
    list_filter = ("kind", "community")
    search_fields = ("title",)
    raw_id_fields = ("author", "accepted_post", "hidden_by")
    inlines = [PostInline]


@admin.register(Post)
class PostAdmin(RenderedTextAdmin[Post]):
    list_display = ("__str__", "author", "created_at", "deleted_at", "hidden_at")
    raw_id_fields = ("thread", "author", "reply_to", "hidden_by")
