"""Pages about members: directory, profiles, organisations, and the member's settings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

from guilde.accounts import member_rights, selectors, services
from guilde.accounts.adapter import INVITATION_SESSION_KEY
from guilde.accounts.forms import (
    AffiliationForm,
    AvatarForm,
    ClaimForm,
    DeleteAccountForm,
    OrganisationForm,
    ProfileForm,
    TokenForm,
    split_terms,
)
from guilde.accounts.models import (
    VISIBLE_FIELDS,
    Affiliation,
    Block,
    DataExport,
    MemberSkill,
    Organisation,
    PersonalAccessToken,
    User,
)
from guilde.accounts.visibility import VisibilityContext
from guilde.core.decorators import rate_limited

MEMBERS_PER_PAGE = 24


def _member(request: HttpRequest) -> User:
    """The signed-in member (views that call this are behind ``login_required``)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, which also becomes the signed-in member's setting."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and check_for_language(language):
        User.objects.filter(pk=request.user.pk).update(language=language)
    return response


# Directory and profiles -------------------------------------------------------------------


@require_GET
def member_detail(request: HttpRequest, username: str) -> HttpResponse:
    profile = selectors.member_get(viewer=request.user, username=username)
    blocked = (
        request.user.is_authenticated
        and Block.objects.filter(blocker_id=request.user.pk, blocked_id=profile.id).exists()
    )
    return render(request, "accounts/member_detail.html", {"profile": profile, "blocked": blocked})


@require_GET
def member_avatar(request: HttpRequest, username: str) -> FileResponse:
    """The avatar file, to those allowed to see it; private caching only."""
    member = User.objects.filter(username=username, deleted_at__isnull=True).first()
    if member is None or not member.avatar:
        raise Http404
    seen = VisibilityContext.for_members(request.user, [member])
    if not seen.can_see(member, "avatar"):
        raise Http404
    response = FileResponse(member.avatar.open("rb"), content_type="image/webp")
    response["Cache-Control"] = "private, max-age=86400"
    response["Content-Disposition"] = "inline"
    return response


@login_required
@require_POST
@rate_limited("page_write")
def member_claim(request: HttpRequest, username: str) -> HttpResponse:
    placeholder = get_object_or_404(User, username=username, is_placeholder=True)
    form = ClaimForm(request.POST)
    if form.is_valid():
        claim = services.claim_request(
            claimant=_member(request), placeholder=placeholder, message=form.cleaned_data["message"]
        )
        if claim.status == claim.Status.APPROVED:
            messages.success(request, _("Welcome back: these contributions are now yours."))
            return redirect("accounts:member", _member(request).username)
        messages.success(request, _("Thank you. An administrator will look at your request."))
    return redirect("accounts:member", username)


# Organisations ----------------------------------------------------------------------------


@require_GET
def organisation_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "accounts/organisation_list.html", {"organisations": selectors.organisation_list()}
    )


@require_GET
def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = selectors.organisation_get(slug=slug)
    members = selectors.organisation_members(viewer=request.user, organisation=organisation)
    page = Paginator(members, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    profiles = selectors.member_profiles(viewer=request.user, members=list(page.object_list))
    return render(
        request,
        "accounts/organisation_detail.html",
        {"organisation": organisation, "page": page, "profiles": profiles},
    )


@require_GET
def organisation_logo(request: HttpRequest, slug: str) -> FileResponse:
    """Organisations are public, and so are their logos."""
    organisation = get_object_or_404(Organisation, slug=slug)
    if not organisation.logo.name:
        raise Http404
    response = FileResponse(organisation.logo.open("rb"), content_type="image/webp")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@login_required
@rate_limited("page_write")
def organisation_create(request: HttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_create(actor=_member(request), **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The organisation was added."))
            return redirect("accounts:organisation", organisation.slug)
    return render(request, "accounts/organisation_form.html", {"form": form})


# Settings ---------------------------------------------------------------------------------


def _profile_initial(member: User) -> dict[str, Any]:
    terms: dict[str, list[str]] = {kind: [] for kind in MemberSkill.Kind.values}
    for member_skill in member.member_skills.select_related("skill"):
        terms[member_skill.kind].append(member_skill.skill.name)
    initial: dict[str, Any] = {
        "display_name": member.display_name,
        "bio": member.bio,
        "location": member.location,
        "time_zone": member.time_zone,
        "languages": list(member.spoken_languages.values_list("code", flat=True)),
        "skills": ", ".join(sorted(terms["skill"])),
        "interests": ", ".join(sorted(terms["interest"])),
        "learning_goals": ", ".join(sorted(terms["learning"])),
        "open_to_questions": member.open_to_questions,
        "open_to_mentor": member.open_to_mentor,
        "analytics_consent": member.analytics_consent,
        "language": member.language,
    }
    for field_name in VISIBLE_FIELDS:
        initial[f"visibility_{field_name}"] = member.visibility_of(field_name).value
    return initial


@login_required
@rate_limited("page_write", methods=("POST",))
def settings_profile(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    form = ProfileForm(request.POST or None, initial=_profile_initial(member))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.profile_update(
                actor=member,
                member=member,
                display_name=data["display_name"],
                bio=data["bio"],
                location=data["location"],
                time_zone=data["time_zone"],
                languages=data["languages"],
                open_to_questions=data["open_to_questions"],
                open_to_mentor=data["open_to_mentor"],
                field_visibility=form.visibility(),
                analytics_consent=data["analytics_consent"],
                language=data["language"],
            )
            for kind, field_name in (
                ("skill", "skills"),
                ("interest", "interests"),
                ("learning", "learning_goals"),
            ):
                services.skills_set(
                    actor=member, member=member, kind=kind, names=split_terms(data[field_name])
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your profile was saved."))
            return redirect("accounts:settings_profile")
    affiliations = Affiliation.objects.filter(member=member).select_related("organisation")
    return render(
        request,
        "accounts/settings_profile.html",
        {
            "form": form,
            "avatar_form": AvatarForm(),
            "affiliation_form": AffiliationForm(),
            "affiliations": affiliations,
            "profile": selectors.member_profiles(viewer=member, members=[member])[0],
            "visible_fields": list(VISIBLE_FIELDS),
        },
    )


@login_required
@require_POST
@rate_limited("page_write")
def settings_avatar(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    if "remove" in request.POST:
        services.avatar_remove(actor=member, member=member)
        messages.success(request, _("Your picture was removed."))
        return redirect("accounts:settings_profile")
    form = AvatarForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.avatar_set(actor=member, member=member, upload=form.cleaned_data["picture"])
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
        else:
            messages.success(request, _("Your picture was updated."))
    else:
        messages.error(request, _("Choose a picture to upload."))
    return redirect("accounts:settings_profile")


@login_required
@require_POST
@rate_limited("page_write")
def settings_affiliation_add(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    form = AffiliationForm(request.POST)
    if form.is_valid():
        services.affiliation_set(
            actor=member,
            member=member,
            organisation=form.cleaned_data["organisation"],
            role=form.cleaned_data["role"],
        )
        messages.success(request, _("The organisation was added to your profile."))
    else:
        messages.error(request, _("Choose an organisation."))
    return redirect("accounts:settings_profile")


@login_required
@require_POST
def settings_affiliation_remove(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    affiliation = get_object_or_404(Affiliation, pk=pk, member=member)
    services.affiliation_remove(actor=member, affiliation=affiliation)
    messages.success(request, _("The organisation was removed from your profile."))
    return redirect("accounts:settings_profile")


@login_required
@rate_limited("page_write", methods=("POST",))
def settings_tokens(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    form = TokenForm(request.POST or None)
    new_token = ""
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_token = services.token_create(
                actor=member,
                member=member,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_in=form.expires_in(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = TokenForm()
    response = render(
        request,
        "accounts/settings_tokens.html",
        {"form": form, "tokens": selectors.token_list(member=member), "new_token": new_token},
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def settings_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    token = get_object_or_404(PersonalAccessToken, pk=pk, member=member)
    services.token_revoke(actor=member, token=token)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("accounts:settings_tokens")


@login_required
@rate_limited("page_write", methods=("POST",))
def settings_data(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    delete_form = DeleteAccountForm(member=member)
    if request.method == "POST" and "export" in request.POST:
        member_rights.export_request(actor=member, member=member)
        messages.success(
            request, _("Your data is being prepared. We will e-mail you when it is ready.")
        )
        return redirect("accounts:settings_data")
    if request.method == "POST" and "delete" in request.POST:
        delete_form = DeleteAccountForm(request.POST, member=member)
        if delete_form.is_valid():
            keep = delete_form.cleaned_data["contributions"] == "keep"
            member_rights.account_delete(actor=member, member=member, keep_contributions=keep)
            from django.contrib.auth import logout

            logout(request)
            messages.success(request, _("Your account was deleted. Goodbye, and thank you."))
            return redirect("home:home")
    exports = DataExport.objects.filter(member=member)[:5]
    return render(
        request, "accounts/settings_data.html", {"exports": exports, "delete_form": delete_form}
    )


@login_required
@require_GET
def settings_export_download(request: HttpRequest, pk: int) -> FileResponse:
    export = member_rights.export_for_download(viewer=_member(request), export_id=pk)
    response = FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=f"guilde-{export.member.username}-{export.created_at:%Y%m%d}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_for(token)
    if invitation is None:
        return render(request, "core/invitation_invalid.html", status=404)
    request.session[INVITATION_SESSION_KEY] = token
    return redirect("account_signup")
