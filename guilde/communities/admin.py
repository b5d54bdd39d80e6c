from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from guilde.accounts.admin import _admin
from guilde.communities import services
from guilde.communities.models import Community, CreationPolicy, Membership, Tag


class MembershipInline(admin.TabularInline[Membership, Community]):
    model = Membership
    extra = 0
    autocomplete_fields = ("member",)
    fields = ("member", "role", "status", "joined_at")


class TagInline(admin.TabularInline[Tag, Community]):
    model = Tag
    extra = 0
    fields = ("name", "slug", "description")


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin[Community]):
    list_display = ("name", "slug", "visibility", "join_policy", "status", "language", "created_at")
    list_filter = ("status", "visibility", "join_policy", "language")
    search_fields = ("name", "slug", "domain")
    filter_horizontal = ("organisations", "related")
    inlines = [TagInline, MembershipInline]
    actions = ["approve", "delete_softly"]

    @admin.action(description=_("Approve the selected communities"))
    def approve(self, request: HttpRequest, queryset: QuerySet[Community]) -> None:
        for community in queryset.filter(status=Community.Status.PENDING):
            services.community_approve(actor=_admin(request), community=community)

    @admin.action(description=_("Delete the selected communities (they disappear everywhere)"))
    def delete_softly(self, request: HttpRequest, queryset: QuerySet[Community]) -> None:
        for community in queryset.exclude(status=Community.Status.DELETED):
            services.community_delete(actor=_admin(request), community=community)


@admin.register(CreationPolicy)
class CreationPolicyAdmin(admin.ModelAdmin[CreationPolicy]):
    filter_horizontal = ("organisations",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not CreationPolicy.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
