"""Administration of members, organisations, the skills vocabulary, invitations and claims."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from guilde.accounts import services
from guilde.accounts.models import (
    Affiliation,
    ClaimRequest,
    IdentityProvider,
    IdentityProviderGroupRole,
    InstanceSettings,
    Invitation,
    Organisation,
    Skill,
    User,
)


def _admin(request: HttpRequest) -> User:
    """The administrator behind an admin request (the admin site lets in members only)."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


@admin.register(User)
class MemberAdmin(UserAdmin):  # type: ignore[type-arg]  # django-stubs types UserAdmin over AbstractUser
    list_display = (
        "username",
        "display_name",
        "email",
        "is_placeholder",
        "is_staff",
        "date_joined",
    )
    list_filter = ("is_staff", "is_superuser", "is_active", "is_placeholder")
    search_fields = ("username", "display_name", "email")
    ordering = ("username",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Profile"),
            {"fields": ("display_name", "email", "bio", "location", "time_zone", "language")},
        ),
        (_("Import"), {"fields": ("is_placeholder", "import_source", "import_key")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined", "deleted_at")}),
    )
    readonly_fields = ("deleted_at", "import_source", "import_key", "is_placeholder")


@admin.register(InstanceSettings)
class InstanceSettingsAdmin(admin.ModelAdmin[InstanceSettings]):
    list_display = ("__str__", "registration_mode")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not InstanceSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AffiliationInline(admin.TabularInline[Affiliation, Organisation]):
    model = Affiliation
    extra = 0
    autocomplete_fields = ("member",)
    fields = ("member", "role", "confirmed_by")


class OrganisationAdminForm(forms.ModelForm[Organisation]):
    new_logo = forms.FileField(
        label=_("New logo"),
        required=False,
        help_text=_("PNG, JPEG, WebP or GIF; cropped to a square and re-encoded."),
    )

    class Meta:
        model = Organisation
        fields = ("name", "slug", "description", "website", "email_domains")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    form = OrganisationAdminForm
    list_display = ("name", "slug", "website")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [AffiliationInline]

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if upload := form.cleaned_data.get("new_logo"):
            try:
                services.organisation_set_logo(
                    actor=_admin(request), organisation=obj, upload=upload
                )
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin[Skill]):
    list_display = ("name", "slug", "merged_into", "uses")
    search_fields = ("name",)
    list_filter = (("merged_into", admin.EmptyFieldListFilter),)
    actions = ["merge_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Skill]:
        return super().get_queryset(request).annotate(use_count=Count("member_skills"))

    @admin.display(description=_("uses"), ordering="use_count")
    def uses(self, skill: Any) -> int:
        return int(skill.use_count)

    @admin.action(description=_("Merge the selected skills into the most used one"))
    def merge_selected(self, request: HttpRequest, queryset: QuerySet[Skill]) -> None:
        skills = sorted(
            queryset.filter(merged_into__isnull=True).annotate(n=Count("member_skills")),
            key=lambda skill: (-skill.n, skill.name),
        )
        if len(skills) < 2:
            self.message_user(request, _("Select at least two skills."), messages.WARNING)
            return
        target, *duplicates = skills
        for duplicate in duplicates:
            services.skill_merge(actor=_admin(request), source=duplicate, target=target)
        self.message_user(
            request,
            _("Merged %(count)d skills into “%(name)s”.")
            % {"count": len(duplicates), "name": target.name},
        )


class InvitationForm(forms.ModelForm[Invitation]):
    class Meta:
        model = Invitation
        fields = ("email",)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin[Invitation]):
    list_display = ("email", "invited_by", "created_at", "expires_at", "accepted_at")
    form = InvitationForm
    readonly_fields = ("invited_by", "created_at", "expires_at", "accepted_by", "accepted_at")

    def save_model(self, request: HttpRequest, obj: Invitation, form: Any, change: bool) -> None:
        if change:
            return
        created = services.invitation_create(actor=_admin(request), email=obj.email)
        obj.pk = created.pk


@admin.register(ClaimRequest)
class ClaimRequestAdmin(admin.ModelAdmin[ClaimRequest]):
    list_display = ("claimant", "placeholder_label", "status", "created_at", "decided_by")
    list_filter = ("status",)
    readonly_fields = (
        "claimant",
        "placeholder",
        "placeholder_label",
        "message",
        "status",
        "decided_by",
        "decided_at",
    )
    actions = ["approve", "decline"]

    def _decide(
        self, request: HttpRequest, queryset: QuerySet[ClaimRequest], approve: bool
    ) -> None:
        for claim in queryset.filter(status=ClaimRequest.Status.PENDING):
            services.claim_decide(actor=_admin(request), claim=claim, approve=approve)

    @admin.action(description=_("Approve: the claimant becomes the imported member"))
    def approve(self, request: HttpRequest, queryset: QuerySet[ClaimRequest]) -> None:
        self._decide(request, queryset, approve=True)

    @admin.action(description=_("Decline"))
    def decline(self, request: HttpRequest, queryset: QuerySet[ClaimRequest]) -> None:
        self._decide(request, queryset, approve=False)


# Single sign-on (docs/sso.md) --------------------------------------------------------------


class IdentityProviderGroupRoleInline(
    admin.TabularInline[IdentityProviderGroupRole, IdentityProvider]
):
    model = IdentityProviderGroupRole
    extra = 1
    autocomplete_fields = ("community",)
    fields = ("group", "community", "role")


class IdentityProviderForm(forms.ModelForm[IdentityProvider]):
    class Meta:
        model = IdentityProvider
        fields = (
            "provider_id",
            "organisation",
            "allow_signup",
            "groups_claim",
            "password_disabled_domains",
        )

    def clean_password_disabled_domains(self) -> list[str]:
        value = self.cleaned_data.get("password_disabled_domains") or []
        if not isinstance(value, list) or not all(isinstance(d, str) for d in value):
            raise ValidationError(_('A list of domains, for example ["acme.example"].'))
        return sorted({d.strip().lower().lstrip("@") for d in value if d.strip()})


@admin.register(IdentityProvider)
class IdentityProviderAdmin(admin.ModelAdmin[IdentityProvider]):
    """Which organisation each single sign-on provider stands for, and what its groups mean.

    The provider's connection (server, client id, secret) is a "social application" (or
    GUILDE_OIDC_PROVIDERS); this row is matched to it by ``provider_id``.
    """

    form = IdentityProviderForm
    list_display = ("provider_id", "organisation", "allow_signup", "groups_claim", "created_at")
    list_select_related = ("organisation",)
    search_fields = ("provider_id", "organisation__name")
    autocomplete_fields = ("organisation",)
    inlines = [IdentityProviderGroupRoleInline]

    def save_model(
        self, request: HttpRequest, obj: IdentityProvider, form: Any, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        from allauth.socialaccount.adapter import get_adapter

        if not get_adapter(request).list_apps(request, provider=obj.provider_id):
            self.message_user(
                request,
                _(
                    "No social application has the provider id “%(id)s” yet: add one (or "
                    "list it in GUILDE_OIDC_PROVIDERS) for its button to appear."
                )
                % {"id": obj.provider_id},
                messages.WARNING,
            )
