"""Pages of onboarding: a member's welcome page (the message, their checklist, their buddy),
the buddy's answer, the coordinators' settings and their view of newcomers' progress."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guilde.accounts.models import User
from guilde.communities import selectors as community_selectors
from guilde.communities.models import Community
from guilde.core.forms import add_service_errors
from guilde.core.http import HtmxHttpRequest
from guilde.core.permissions import can
from guilde.onboarding import checklist, forms, selectors, services
from guilde.onboarding.models import Buddy

NEWCOMERS_PER_PAGE = 25


def _member(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _community(request: HttpRequest, slug: str, action: str = "view") -> Community:
    return community_selectors.community_get(
        viewer=request.user, slug=slug, action=action, details=False
    )


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    community = context["community"]
    context["permissions"] = community_selectors.viewer_permissions(request.user, community)
    context["can_manage_onboarding"] = can(request.user, "manage_onboarding", community)
    return render(request, template, context)


@require_GET
def welcome(request: HttpRequest, slug: str) -> HttpResponse:
    """The welcome page: the coordinators' message to everyone who reads the community; a
    member's checklist and buddy (a newcomer is suggested one on their first visit)."""
    community = _community(request, slug)
    if isinstance(request.user, User) and can(request.user, "onboard", community):
        services.buddy_suggest(newcomer=request.user, community=community)
    found = selectors.welcome_get(viewer=request.user, community=community)
    return _render(request, "onboarding/welcome.html", {"community": community, "welcome": found})


@require_POST
@login_required
def buddy_answer(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Accept or decline the suggested buddy; with htmx, the buddy panel comes back (after a
    decline, with the next suggestion)."""
    community = _community(request, slug)
    answer = request.POST.get("answer", "")
    level, notice = messages.ERROR, _("Accept or decline the suggestion.")
    if answer in ("accept", "decline"):
        try:
            buddy = services.buddy_answer(
                actor=_member(request), community=community, accept=answer == "accept"
            )
        except ValidationError as error:
            notice = " ".join(error.messages)
        else:
            level = messages.SUCCESS
            notice = (
                _("%(name)s is your buddy now: they know it.") % {"name": buddy.buddy.name}
                if buddy.status == Buddy.Status.ACCEPTED
                else _("Declined: here is someone else, if anyone fits.")
            )
    if request.htmx:
        services.buddy_suggest(newcomer=_member(request), community=community)
        found = selectors.welcome_get(viewer=request.user, community=community)
        return render(
            request,
            "onboarding/_buddy.html",
            {"community": community, "welcome": found, "notice": notice},
        )
    messages.add_message(request, level, notice)
    return redirect(reverse("onboarding:welcome", args=[community.slug]) + "#buddy")


@require_http_methods(["GET", "POST"])
@login_required
def onboarding_settings(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community(request, slug, action="manage_onboarding")
    onboarding = selectors.onboarding_for(community)
    form = forms.OnboardingForm(request.POST or None, community=community, onboarding=onboarding)
    if request.method == "POST" and form.is_valid():
        try:
            services.onboarding_update(
                actor=_member(request),
                community=community,
                welcome=form.cleaned_data["welcome"],
                starter_path=form.cleaned_data["starter_path"],
                introductions=form.thread(),
                buddies=form.cleaned_data["buddies"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The welcome is saved."))
            return redirect("onboarding:manage", slug=community.slug)
    return _render(
        request,
        "onboarding/settings.html",
        {"community": community, "form": form, "onboarding": onboarding},
    )


@require_GET
@login_required
def newcomers(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Newcomers with their progress per item, days since joining, who is stuck at the edge
    and their buddy; filtered and ordered as asked, a page at a time."""
    community = _community(request, slug, action="manage_onboarding")
    filters = forms.NewcomerFilters(request.GET or None)
    show, sort = "", "stuck"
    if filters.is_valid():
        show = filters.cleaned_data["show"]
        sort = filters.cleaned_data["sort"] or "stuck"
    found = selectors.newcomers(
        viewer=request.user, community=community, stuck_only=show == "stuck", sort=sort
    )
    page = Paginator(found.memberships, NEWCOMERS_PER_PAGE).get_page(request.GET.get("page"))
    query = "&".join(f"{name}={value}" for name, value in (("show", show), ("sort", sort)) if value)
    context = {
        "community": community,
        "filters": filters,
        "page": page,
        "query": query,
        "rows": selectors.newcomer_rows(found, list(page.object_list)),
        "items": [(key, checklist.LABELS[key]) for key in found.setup.items],
        "stuck_days": selectors.stuck_after(community).days,
    }
    if request.htmx:
        return render(request, "onboarding/_newcomer_rows.html", context)
    return _render(request, "onboarding/newcomers.html", context)
