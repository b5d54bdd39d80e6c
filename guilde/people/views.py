"""People pages: the directory, "who knows about …", a member's expertise, people to
meet and the feed, expertise settings, people who could answer a question, and what an
organisation's members contribute."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guilde.accounts.models import MemberSkill, User
from guilde.accounts.selectors import member_profiles, organisation_get
from guilde.core.decorators import rate_limited
from guilde.core.http import HtmxHttpRequest
from guilde.core.pagination import CappedPaginator
from guilde.discussions.selectors import thread_by_id
from guilde.people import selectors, services
from guilde.people.directory import DirectoryFilters, directory
from guilde.people.feed import feed, followed, organisation_activity
from guilde.people.forms import DirectoryForm, LevelsForm, PreferencesForm
from guilde.people.models import AnswerRequest
from guilde.people.profile import expertise_of, topics_of
from guilde.people.reasons import reason, topic_reason
from guilde.people.recommendations import people_to_meet

MEMBERS_PER_PAGE = 24


def _member(request: HttpRequest) -> User:
    return cast(User, request.user)  # behind login_required


@require_GET
def directory_page(request: HtmxHttpRequest) -> HttpResponse:
    form = DirectoryForm(request.GET or None, viewer=request.user)
    filters = form.filters() if form.is_valid() else DirectoryFilters()
    members = directory(viewer=request.user, filters=filters)
    page = CappedPaginator(members, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    profiles = member_profiles(viewer=request.user, members=list(page.object_list))
    template = "accounts/_member_results.html" if request.htmx else "people/directory.html"
    return render(request, template, {"form": form, "page": page, "profiles": profiles})


@require_GET
@rate_limited("search", methods=("GET",))
def who_knows(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "")[:300]
    slug = request.GET.get("community", "")[:60]
    tags, found = selectors.who_knows(viewer=request.user, text=text, community=slug)
    context = {
        "q": text,
        "community_slug": slug,
        "tags": tags,
        "found": [(knower, reason(knower)) for knower in found],
    }
    return render(request, "people/who_knows.html", context)


def _expertise(request: HtmxHttpRequest, member: User) -> HttpResponse:
    expertise = expertise_of(viewer=request.user, member=member)
    context = {
        "expertise": expertise,
        "topics": [(topic, topic_reason(topic)) for topic in expertise.topics],
    }
    template = "people/_expertise.html" if request.htmx else "people/expertise.html"
    return render(request, template, context)


@require_GET
def member_expertise(request: HtmxHttpRequest, username: str) -> HttpResponse:
    return _expertise(request, selectors.member_named(username))


def _act(request: HtmxHttpRequest, member: User, action: Callable[[], object]) -> HttpResponse:
    try:
        action()
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    if request.htmx:
        return _expertise(request, member)
    return redirect("accounts:member", member.username)


@login_required
@require_POST
@rate_limited("page_write")
def follow_toggle(request: HtmxHttpRequest, username: str) -> HttpResponse:
    member, actor = selectors.member_named(username), _member(request)
    if actor.following.filter(followed=member).exists():
        return _act(request, member, lambda: services.unfollow(actor=actor, member=member))
    return _act(request, member, lambda: services.follow(actor=actor, member=member))


@login_required
@require_POST
@rate_limited("page_write")
def endorse_toggle(request: HtmxHttpRequest, username: str, skill: str) -> HttpResponse:
    member, actor = selectors.member_named(username), _member(request)
    if actor.endorsements_given.filter(
        member_skill__member=member, member_skill__skill__slug=skill
    ).exists():
        return _act(
            request,
            member,
            lambda: services.endorsement_withdraw(actor=actor, member=member, skill_slug=skill),
        )
    return _act(
        request, member, lambda: services.endorse(actor=actor, member=member, skill_slug=skill)
    )


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    viewer = _member(request)
    context = {
        "recommendations": people_to_meet(viewer=viewer),
        "activities": feed(viewer=viewer),
        "following": followed(viewer=viewer),
    }
    return render(request, "people/home.html", context)


@login_required
@rate_limited("page_write")
def settings_page(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    preferences = services.preferences_for(member)
    skills = list(
        MemberSkill.objects.filter(member=member, kind=MemberSkill.Kind.SKILL)
        .select_related("skill")
        .order_by("skill__name")
    )
    initial = {"suggest": preferences.suggest, "answer_requests": preferences.answer_requests}
    preferences_form = PreferencesForm(initial=initial)
    levels_form = LevelsForm(skills=skills)
    if request.method == "POST":
        action = request.POST.get("save", "")
        if action in ("hide", "show"):
            try:
                services.topic_hide(
                    actor=member, slug=request.POST.get("topic", ""), hidden=action == "hide"
                )
                messages.success(request, _("Your topics were saved."))
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            return redirect("people:settings")
        preferences_form = PreferencesForm(request.POST)
        levels_form = LevelsForm(request.POST, skills=skills)
        if preferences_form.is_valid() and levels_form.is_valid():
            services.preferences_set(actor=member, **preferences_form.cleaned_data)
            for slug, level in levels_form.levels().items():
                services.skill_level_set(actor=member, skill_slug=slug, level=level)
            messages.success(request, _("Your expertise settings were saved."))
            return redirect("people:settings")
    topics = topics_of(viewer=member, member=member, limit=50)
    context = {
        "preferences_form": preferences_form,
        "levels_form": levels_form,
        "topics": [(topic, topic_reason(topic)) for topic in topics],
    }
    return render(request, "people/settings.html", context)


def _could_answer(request: HttpRequest, thread_id: int, error: str = "") -> HttpResponse:
    thread = thread_by_id(viewer=request.user, pk=thread_id)
    found = selectors.could_answer(viewer=request.user, thread=thread)
    asked = set(AnswerRequest.objects.filter(thread=thread).values_list("member_id", flat=True))
    context = {
        "thread": thread,
        "found": [(knower, reason(knower)) for knower in found],
        "asked": asked,
        "error": error,
    }
    return render(request, "people/_could_answer.html", context)


@require_GET
def could_answer(request: HttpRequest, thread_id: int) -> HttpResponse:
    return _could_answer(request, thread_id)


@login_required
@require_POST
@rate_limited("page_write")
def ask_to_answer(request: HtmxHttpRequest, thread_id: int) -> HttpResponse:
    actor = _member(request)
    thread = thread_by_id(viewer=actor, pk=thread_id)
    error = ""
    try:
        services.answer_request(
            actor=actor,
            thread=thread,
            member=selectors.member_named(request.POST.get("username", "")),
        )
    except (ValidationError, PermissionDenied) as refused:
        error = " ".join(getattr(refused, "messages", [str(refused)]))
    if request.htmx:
        return _could_answer(request, thread_id, error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("They were asked to answer."))
    return redirect(thread.get_absolute_url())


@require_GET
def organisation_contributions(request: HttpRequest, slug: str) -> HttpResponse:
    activity = organisation_activity(viewer=request.user, organisation=organisation_get(slug=slug))
    return render(request, "people/_organisation_activity.html", {"activity": activity})
