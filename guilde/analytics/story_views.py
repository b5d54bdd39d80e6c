"""Pages of value-creation stories: a community's (its coordinators and administrators; a
member sees their own), the form (pre-linked from ?thread=, ?article=, ?event=,
?relationship=, or answering ?prompt=), a story, its edit and deletion by its author, and
the one-click dismissal of a prompt."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from guilde.accounts.models import User
from guilde.analytics import story_selectors as selectors
from guilde.analytics import story_services as services
from guilde.analytics.models import Story, StoryPrompt
from guilde.analytics.story_forms import StoryForm
from guilde.communities import selectors as community_selectors
from guilde.communities.models import Community
from guilde.core.forms import add_service_errors
from guilde.core.permissions import can, require

PAGE_SIZE = 20


def _member(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _community(request: HttpRequest, slug: str) -> Community:
    return community_selectors.community_get(
        viewer=request.user, slug=slug, action="view", details=False
    )


def _render(
    request: HttpRequest, template: str, community: Community, context: dict[str, Any]
) -> HttpResponse:
    context["community"] = community
    context["permissions"] = community_selectors.viewer_permissions(request.user, community)
    context["cycles"] = Story.Cycle.choices
    return render(request, template, context)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@login_required
def story_list(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community(request, slug)
    cycle = request.GET.get("cycle") or ""
    stories = selectors.story_list(viewer=request.user, community=community, cycle=cycle)
    page = Paginator(stories, PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.attach_links(page.object_list)
    return _render(
        request,
        "analytics/stories/list.html",
        community,
        {
            "page": page,
            "stories": page.object_list,
            "cycle": cycle,
            "sees_all": selectors.sees_all(request.user, community),
            "can_write": can(request.user, "write_story", community),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def story_create(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community(request, slug)
    require(request.user, "write_story", community)
    member = _member(request)
    source = request.POST if request.method == "POST" else request.GET
    prompt: StoryPrompt | None = None
    prompt_id = _int(source.get("prompt"))
    if prompt_id:
        prompt = selectors.prompt_get(viewer=member, pk=prompt_id)
    initial: dict[str, Any] = {name: _int(request.GET.get(name)) for name in services.LINKS}
    if prompt is not None:
        initial.update(selectors.prompt_link(prompt))
        initial["prompt"] = prompt.pk
    form = StoryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            story = services.story_create(
                actor=member, community=community, data=form.to_input(), prompt=prompt
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Thank you: your story is saved."))
            return redirect(story.get_absolute_url())
    return _render(
        request,
        "analytics/stories/form.html",
        community,
        {
            "form": form,
            "prompt": prompt,
            "question": selectors.prompt_question(prompt) if prompt else "",
        },
    )


@login_required
def story_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = _community(request, slug)
    story = selectors.story_get(viewer=request.user, community=community, pk=pk)
    return _render(
        request,
        "analytics/stories/detail.html",
        community,
        {"story": story, "can_edit": can(request.user, "edit", story)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def story_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = _community(request, slug)
    story = selectors.story_get(viewer=request.user, community=community, pk=pk)
    require(request.user, "edit", story)
    form = StoryForm(request.POST or None, initial=StoryForm.initial_from(story))
    if request.method == "POST" and form.is_valid():
        try:
            services.story_update(actor=_member(request), story=story, data=form.to_input())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Story saved."))
            return redirect(story.get_absolute_url())
    return _render(
        request, "analytics/stories/form.html", community, {"form": form, "story": story}
    )


@login_required
@require_POST
def story_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = _community(request, slug)
    story = selectors.story_get(viewer=request.user, community=community, pk=pk)
    services.story_delete(actor=_member(request), story=story)
    messages.success(request, _("Story deleted."))
    return redirect("analytics:stories", slug=community.slug)


@login_required
@require_POST
def prompt_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    """One click: the prompt is not shown again. htmx swaps the banner for nothing;
    without JavaScript, back to the page the member was on."""
    prompt = selectors.prompt_get(viewer=request.user, pk=pk)
    services.prompt_dismiss(actor=_member(request), prompt=prompt)
    if request.headers.get("HX-Request"):
        return HttpResponse("")
    back = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = "/"
    return redirect(back)
