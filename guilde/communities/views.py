"""Pages of communities: directory, home, members, joining, requests, settings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guilde.accounts.models import User
from guilde.communities import selectors, services
from guilde.communities.forms import (
    CommunityForm,
    CommunitySettingsForm,
    DirectoryFilterForm,
    InvitationForm,
    JoinForm,
    LeaveForm,
    RoleForm,
    split_topics,
)
from guilde.communities.models import Community, Membership
from guilde.communities.permissions import membership_of
from guilde.core.decorators import rate_limited
from guilde.core.http import HtmxHttpRequest
from guilde.core.permissions import can

COMMUNITIES_PER_PAGE = 24
MEMBERS_PER_PAGE = 48

INVITATION_SESSION_KEY = "guilde_community_invitation"


def _member(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


@require_GET
def community_list(request: HtmxHttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "search": data["q"],
            "organisation": data["organisation"],
            "language": data["language"],
            "tag": slugify(data["tag"], allow_unicode=True),
            "mine": data["mine"],
        }
    communities = selectors.community_queryset(viewer=request.user, **filters).order_by("name")
    page = Paginator(communities, COMMUNITIES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "cards": selectors.community_cards(viewer=request.user, communities=list(page.object_list)),
        "may_create": services.may_create(request.user),
    }
    template = (
        "communities/_community_results.html" if request.htmx else "communities/community_list.html"
    )
    return render(request, template, context)


@login_required
@rate_limited("page_write", methods=("POST",))
def community_create(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    if not services.may_create(member):
        raise PermissionDenied(_("You may not create communities on this instance."))
    form = CommunityForm(
        request.POST or None,
        initial={
            "language": member.language or "en",
            "visibility": "public",
            "join_policy": "open",
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            community = services.community_create(
                actor=member,
                name=data["name"],
                domain=data["domain"],
                description=data["description"],
                charter=data["charter"],
                language=data["language"],
                visibility=data["visibility"],
                join_policy=data["join_policy"],
                tags=split_topics(data["topics"]),
                organisations=data["organisations"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if community.status == Community.Status.PENDING:
                messages.success(
                    request, _("Your community waits for an administrator's approval.")
                )
            else:
                messages.success(request, _("Your community is ready. Invite the first members."))
            return redirect("communities:detail", community.slug)
    return render(request, "communities/community_form.html", {"form": form})


@require_GET
def community_detail(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.community_get(viewer=request.user, slug=slug)
    permissions = selectors.viewer_permissions(request.user, community)
    context: dict[str, Any] = {
        "community": community,
        "permissions": permissions,
        "membership": membership_of(request.user, community),
        "join_form": JoinForm(),
        "related": selectors.related_visible(request.user, community),
    }
    if permissions["view"]:
        context["coordinators"] = selectors.member_rows(
            viewer=request.user, memberships=selectors.coordinators(community)
        )
    return render(request, "communities/community_detail.html", context)


@require_GET
def community_guidelines(request: HttpRequest, slug: str) -> HttpResponse:
    """The charter and code of conduct on a page of its own (the composer links to it);
    like the rest of a private community, for its members only."""
    community = selectors.community_get(viewer=request.user, slug=slug, action="view")
    return render(
        request,
        "communities/community_guidelines.html",
        {
            "community": community,
            "permissions": selectors.viewer_permissions(request.user, community),
        },
    )


@require_GET
def community_members(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.community_get(viewer=request.user, slug=slug, action="view")
    page = Paginator(selectors.membership_queryset(community), MEMBERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = selectors.member_rows(viewer=request.user, memberships=list(page.object_list))
    return render(
        request,
        "communities/community_members.html",
        {
            "community": community,
            "page": page,
            "rows": rows,
            "permissions": selectors.viewer_permissions(request.user, community),
            "role_form": RoleForm(),
        },
    )


@login_required
@require_POST
@rate_limited("page_write")
def community_join(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.community_get(viewer=request.user, slug=slug)
    form = JoinForm(request.POST)
    message = form.cleaned_data["message"] if form.is_valid() else ""
    try:
        membership = services.membership_join(
            actor=_member(request), community=community, message=message
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if membership.is_active:
            messages.success(request, _("Welcome to %(name)s!") % {"name": community.name})
        else:
            messages.success(request, _("Your request was sent to the coordinators."))
    return redirect("communities:detail", community.slug)


@login_required
@rate_limited("page_write", methods=("POST",))
def community_leave(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.community_get(viewer=request.user, slug=slug, action="leave")
    member = _member(request)
    candidates = [
        (str(m.member_id), m.member.name)
        for m in selectors.membership_queryset(community).exclude(member=member)
    ]
    form = LeaveForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        successor_id = form.cleaned_data["successor"]
        successor = User.objects.filter(pk=successor_id).first() if successor_id else None
        try:
            services.membership_leave(actor=member, community=community, successor=successor)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("You left %(name)s.") % {"name": community.name})
            if can(member, "discover", community):
                return redirect("communities:detail", community.slug)
            return redirect("communities:list")
    membership = membership_of(member, community)
    return render(
        request,
        "communities/community_leave.html",
        {
            "community": community,
            "form": form,
            "is_coordinator": membership is not None
            and membership.role == Membership.Role.COORDINATOR,
        },
    )


@require_GET
def community_requests(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.community_get(viewer=request.user, slug=slug, action="moderate")
    pending = list(selectors.membership_queryset(community, status=Membership.Status.PENDING))
    rows = selectors.member_rows(viewer=request.user, memberships=pending)
    return render(
        request,
        "communities/community_requests.html",
        {
            "community": community,
            "requests": list(zip(pending, rows, strict=True)),
            "permissions": selectors.viewer_permissions(request.user, community),
        },
    )


@login_required
@require_POST
@rate_limited("page_write")
def community_request_decide(request: HttpRequest, slug: str, username: str) -> HttpResponse:
    community = selectors.community_get(viewer=request.user, slug=slug, action="moderate")
    membership = selectors.membership_for(community, username, status=Membership.Status.PENDING)
    approve = request.POST.get("decision") == "approve"
    services.membership_decide(actor=_member(request), membership=membership, approve=approve)
    if approve:
        messages.success(request, _("%(name)s is now a member.") % {"name": membership.member.name})
    else:
        messages.success(request, _("The request was declined."))
    return redirect("communities:requests", community.slug)


def _settings_form(
    request: HttpRequest, community: Community, *, bound: bool = True
) -> CommunitySettingsForm:
    related = (
        selectors.community_queryset(viewer=request.user).exclude(pk=community.pk).order_by("name")
    )
    initial = {
        "name": community.name,
        "domain": community.domain,
        "description": community.description,
        "charter": community.charter,
        "language": community.language,
        "visibility": community.visibility,
        "join_policy": community.join_policy,
        "newcomer_days": community.newcomer_days,
        "flag_threshold": community.flag_threshold,
        "review_first_posts": community.review_first_posts,
        "verification_days": community.verification_days,
        "review_article_changes": community.review_article_changes,
        "topics": ", ".join(tag.name for tag in community.tags.all()),
        "organisations": list(community.organisations.all()),
        "related": list(community.related.all()),
    }
    data = request.POST if bound and request.method == "POST" else None
    return CommunitySettingsForm(data, initial=initial, related_choices=related)


@login_required
@rate_limited("page_write", methods=("POST",))
def community_settings(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.community_get(viewer=request.user, slug=slug, action="manage")
    member = _member(request)
    form = _settings_form(request, community)
    invitation_form = InvitationForm()
    if request.method == "POST" and "invite" in request.POST:
        invitation_form = InvitationForm(request.POST)
        form = _settings_form(request, community, bound=False)
        if invitation_form.is_valid():
            services.invitation_create(
                actor=member,
                community=community,
                email=invitation_form.cleaned_data["email"],
                role=invitation_form.cleaned_data["role"],
            )
            messages.success(request, _("The invitation is on its way."))
            return redirect("communities:settings", community.slug)
    elif request.method == "POST" and "archive" in request.POST:
        services.community_archive(actor=member, community=community)
        messages.success(request, _("The community is archived: it is now read-only."))
        return redirect("communities:detail", community.slug)
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.community_update(
                actor=member,
                community=community,
                name=data["name"],
                domain=data["domain"],
                description=data["description"],
                charter=data["charter"],
                language=data["language"],
                visibility=data["visibility"],
                join_policy=data["join_policy"],
                newcomer_days=data["newcomer_days"],
                tags=split_topics(data["topics"]),
                organisations=data["organisations"],
                related=data["related"],
            )
            services.moderation_settings_set(
                actor=member,
                community=community,
                flag_threshold=community.flag_threshold
                if data["flag_threshold"] is None
                else data["flag_threshold"],
                review_first_posts=data["review_first_posts"],
            )
            services.knowledge_settings_set(
                actor=member,
                community=community,
                verification_days=data["verification_days"] or community.verification_days,
                review_article_changes=data["review_article_changes"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The settings were saved."))
            return redirect("communities:settings", community.slug)
    return render(
        request,
        "communities/community_settings.html",
        {
            "community": community,
            "form": form,
            "invitation_form": invitation_form,
            "permissions": selectors.viewer_permissions(request.user, community),
        },
    )


@login_required
@require_POST
@rate_limited("page_write")
def community_member_role(request: HttpRequest, slug: str, username: str) -> HttpResponse:
    community = selectors.community_get(viewer=request.user, slug=slug, action="manage")
    membership = selectors.membership_for(community, username, status=Membership.Status.ACTIVE)
    form = RoleForm(request.POST)
    try:
        if "remove" in request.POST:
            services.membership_remove(actor=_member(request), membership=membership)
            messages.success(
                request, _("%(name)s left the community.") % {"name": membership.member.name}
            )
        elif form.is_valid():
            services.membership_set_role(
                actor=_member(request),
                membership=membership,
                role=form.cleaned_data["role"],
                steward=form.cleaned_data["steward"],
            )
            messages.success(request, _("The role was changed."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("communities:members", community.slug)


@login_required
@require_POST
def community_restore(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.community_get(viewer=request.user, slug=slug, action="restore")
    services.community_restore(actor=_member(request), community=community)
    messages.success(request, _("The community is active again."))
    return redirect("communities:detail", community.slug)


@require_GET
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Accept an invitation; people without an account sign up first and come back."""
    invitation = services.invitation_for(token)
    if invitation is None:
        return render(request, "core/invitation_invalid.html", status=404)
    if not request.user.is_authenticated:
        request.session[INVITATION_SESSION_KEY] = token
        here = reverse("communities:invitation", args=[token])
        return render(
            request,
            "communities/invitation_welcome.html",
            {"invitation": invitation, "next": here},
        )
    services.invitation_accept(invitation=invitation, member=_member(request))
    request.session.pop(INVITATION_SESSION_KEY, None)
    messages.success(request, _("Welcome to %(name)s!") % {"name": invitation.community.name})
    return redirect("communities:detail", invitation.community.slug)
