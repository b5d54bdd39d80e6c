"""Pages of mentoring: a community's programmes, a programme (apply, and for coordinators
its steps and health), the coordinators' review of the proposed pairs, the member's own
mentoring (pairs to answer, relationships) and the pair's private space."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from guilde.accounts.models import User
from guilde.communities import selectors as community_selectors
from guilde.communities.models import Community
from guilde.core.forms import add_service_errors
from guilde.core.permissions import can, require
from guilde.mentoring import forms, selectors, services
from guilde.mentoring.models import Application, Goal, Match, Programme, Relationship
from guilde.mentoring.scoring import CRITERIA


def _member(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _community(request: HttpRequest, slug: str) -> Community:
    return community_selectors.community_get(
        viewer=request.user, slug=slug, action="view", details=False
    )


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    community = context.get("community")
    if community is not None:
        context["permissions"] = community_selectors.viewer_permissions(request.user, community)
    context.setdefault("criteria", CRITERIA)
    return render(request, template, context)


def _refused(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


# Programmes ---------------------------------------------------------------------------------


def programme_list(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community(request, slug)
    return _render(
        request,
        "mentoring/programmes.html",
        {
            "community": community,
            "programmes": selectors.programme_list(viewer=request.user, community=community),
            "can_create": can(request.user, "create_programme", community),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_create(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community(request, slug)
    require(request.user, "create_programme", community)
    form = forms.ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            programme = services.programme_create(
                actor=_member(request), community=community, data=form.to_input()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Programme created as a draft: open it to applications when ready.")
            )
            return redirect(programme.get_absolute_url())
    return _render(request, "mentoring/programme_form.html", {"community": community, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    programme = selectors.programme_get(viewer=request.user, slug=slug, pk=pk)
    require(request.user, "manage", programme)
    form = forms.ProgrammeForm(
        request.POST or None, initial=forms.ProgrammeForm.initial_from(programme)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.programme_update(
                actor=_member(request), programme=programme, data=form.to_input()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Programme saved."))
            return redirect(programme.get_absolute_url())
    return _render(
        request,
        "mentoring/programme_form.html",
        {"community": programme.community, "programme": programme, "form": form},
    )


def programme_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    programme = selectors.programme_get(viewer=request.user, slug=slug, pk=pk)
    managing = can(request.user, "manage", programme)
    return _render(
        request,
        "mentoring/programme.html",
        {
            "community": programme.community,
            "programme": programme,
            "mine": selectors.own_applications(viewer=request.user, programme=programme),
            "can_apply": can(request.user, "apply", programme),
            "managing": managing,
            "health": selectors.programme_health(viewer=request.user, programme=programme)
            if managing
            else None,
            "moves": sorted(services.MOVES.get(Programme.Status(programme.status), set()))
            if managing
            else [],
        },
    )


@login_required
@require_POST
def programme_move(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    programme = selectors.programme_get(viewer=request.user, slug=slug, pk=pk)
    try:
        services.programme_move(
            actor=_member(request), programme=programme, status=request.POST.get("status", "")
        )
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The programme moved on."))
    return redirect(programme.get_absolute_url())


# Applications --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def application_edit(request: HttpRequest, slug: str, pk: int, role: str) -> HttpResponse:
    programme = selectors.programme_get(viewer=request.user, slug=slug, pk=pk)
    if role not in Application.Role.values:
        raise Http404
    require(request.user, "apply", programme)
    current = selectors.own_applications(viewer=request.user, programme=programme).get(role)
    form = forms.ApplicationForm(
        request.POST or None,
        community=programme.community,
        programme=programme,
        role=role,
        initial=forms.ApplicationForm.initial_from(current) if current else {"capacity": 1},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.application_submit(
                actor=_member(request), programme=programme, role=role, data=form.to_input()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Application saved: you can change it until the matching."))
            return redirect(programme.get_absolute_url())
    return _render(
        request,
        "mentoring/application_form.html",
        {
            "community": programme.community,
            "programme": programme,
            "form": form,
            "role": role,
            "current": current,
        },
    )


@login_required
@require_POST
def application_withdraw(request: HttpRequest, slug: str, pk: int, role: str) -> HttpResponse:
    programme = selectors.programme_get(viewer=request.user, slug=slug, pk=pk)
    application = selectors.own_applications(viewer=request.user, programme=programme).get(role)
    if application is None:
        raise Http404
    try:
        services.application_withdraw(actor=_member(request), application=application)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Application withdrawn."))
    return redirect(programme.get_absolute_url())


# Review (coordinators) ---------------------------------------------------------------------------


@login_required
def review(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    programme = selectors.programme_get(viewer=request.user, slug=slug, pk=pk)
    require(request.user, "manage", programme)
    matches = list(selectors.match_list(viewer=request.user, programme=programme))
    left = services.capacities_left(programme)
    mentors = [
        a
        for a in selectors.application_list(viewer=request.user, programme=programme, role="mentor")
        if a.status == Application.Status.ACTIVE
    ]
    return _render(
        request,
        "mentoring/review.html",
        {
            "community": programme.community,
            "programme": programme,
            "proposed": [m for m in matches if m.status == Match.Status.PROPOSED],
            "published": [m for m in matches if m.status == Match.Status.PUBLISHED],
            "accepted": [m for m in matches if m.status == Match.Status.ACCEPTED],
            "declined": [m for m in matches if m.status == Match.Status.DECLINED],
            "unmatched": selectors.unmatched_mentees(viewer=request.user, programme=programme),
            "mentors_with_room": [(a, left.get(a.pk, 0)) for a in mentors if left.get(a.pk, 0) > 0],
            "health": selectors.programme_health(viewer=request.user, programme=programme),
            "can_match": programme.status in (Programme.Status.MATCHING, Programme.Status.RUNNING),
        },
    )


def _review_url(programme: Programme) -> str:
    return reverse("mentoring:review", args=[programme.community.slug, programme.pk])


@login_required
@require_POST
def run_matching(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    programme = selectors.programme_get(viewer=request.user, slug=slug, pk=pk)
    try:
        services.matching_request(actor=_member(request), programme=programme)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(
            request, _("The matching runs in the background: reload this page in a moment.")
        )
    return redirect(_review_url(programme))


def _programme_match(request: HttpRequest, programme: Programme, match_pk: Any) -> Match:
    try:
        return get_object_or_404(Match, pk=int(match_pk), programme=programme)
    except (TypeError, ValueError) as error:
        raise Http404 from error


@login_required
@require_POST
def match_action(request: HttpRequest, slug: str, pk: int, match_pk: int) -> HttpResponse:
    programme = selectors.programme_get(viewer=request.user, slug=slug, pk=pk)
    require(request.user, "manage", programme)
    match = _programme_match(request, programme, match_pk)
    action = request.POST.get("action", "")
    try:
        if action in ("lock", "unlock"):
            services.match_lock(actor=_member(request), match=match, locked=action == "lock")
        elif action == "remove":
            services.match_remove(actor=_member(request), match=match)
        else:
            raise Http404
    except ValidationError as error:
        _refused(request, error)
    return redirect(_review_url(programme))


@login_required
@require_POST
def match_swap(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    programme = selectors.programme_get(viewer=request.user, slug=slug, pk=pk)
    require(request.user, "manage", programme)
    chosen = request.POST.getlist("match")
    if len(chosen) != 2:
        messages.error(request, _("Tick exactly two pairs to swap their mentors."))
        return redirect(_review_url(programme))
    first, second = (_programme_match(request, programme, key) for key in chosen)
    try:
        services.match_swap(actor=_member(request), first=first, second=second)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Mentors swapped; both pairs are locked."))
    return redirect(_review_url(programme))


@login_required
@require_POST
def match_assign(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    programme = selectors.programme_get(viewer=request.user, slug=slug, pk=pk)
    require(request.user, "manage", programme)

    def application(key: str) -> Application:
        try:
            return get_object_or_404(
                Application, pk=int(request.POST.get(key, "")), programme=programme
            )
        except ValueError as error:
            raise Http404 from error

    try:
        services.match_assign(
            actor=_member(request),
            programme=programme,
            mentee=application("mentee"),
            mentor=application("mentor"),
        )
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Pair added and locked."))
    return redirect(_review_url(programme))


@login_required
@require_POST
def publish(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    programme = selectors.programme_get(viewer=request.user, slug=slug, pk=pk)
    try:
        count = services.programme_publish(actor=_member(request), programme=programme)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            _("%(count)d pairs published: each side is asked to accept.") % {"count": count},
        )
    return redirect(_review_url(programme))


# The member's own mentoring -----------------------------------------------------------------------


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    return _render(
        request, "mentoring/mine.html", {"mine": selectors.my_mentoring(viewer=_member(request))}
    )


@login_required
@require_POST
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    match = selectors.match_get(viewer=request.user, pk=pk)
    accept = request.POST.get("accept") == "1"
    try:
        match = services.match_answer(actor=_member(request), match=match, accept=accept)
    except ValidationError as error:
        _refused(request, error)
        return redirect("mentoring:mine")
    if match.status == Match.Status.ACCEPTED:
        messages.success(request, _("You both accepted: your mentoring space is open."))
        return redirect(match.relationship.get_absolute_url())
    messages.success(
        request,
        _("Accepted: waiting for the other side.")
        if accept
        else _("Declined: the coordinators will find another pair."),
    )
    return redirect("mentoring:mine")


def _relationship(request: HttpRequest, pk: int) -> Relationship:
    return selectors.relationship_get(viewer=request.user, pk=pk)


@login_required
def relationship_detail(request: HttpRequest, pk: int) -> HttpResponse:
    relationship = _relationship(request, pk)
    viewer = _member(request)
    given = {feedback.member_id: feedback for feedback in relationship.feedback.all()}
    return _render(
        request,
        "mentoring/relationship.html",
        {
            "relationship": relationship,
            "programme": relationship.programme,
            "other": relationship.mentee
            if viewer.pk == relationship.mentor_id
            else relationship.mentor,
            "i_mentor": viewer.pk == relationship.mentor_id,
            "can_write": can(viewer, "write", relationship),
            "can_feedback": can(viewer, "feedback", relationship),
            "my_feedback": given.get(viewer.pk),
            "goal_form": forms.GoalForm(),
            "check_in_form": forms.CheckInForm(),
            "resource_form": forms.ResourceForm(),
            "feedback_form": forms.FeedbackForm(),
            "goal_statuses": Goal.Status.choices,
        },
    )


def _back(relationship: Relationship) -> HttpResponse:
    return redirect(relationship.get_absolute_url())


def _pair_form(request: HttpRequest, form: Any) -> dict[str, Any] | None:
    if form.is_valid():
        return dict(form.cleaned_data)
    messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return None


@login_required
@require_POST
def goal_add(request: HttpRequest, pk: int) -> HttpResponse:
    relationship = _relationship(request, pk)
    data = _pair_form(request, forms.GoalForm(request.POST))
    if data is not None:
        try:
            services.goal_add(
                actor=_member(request), relationship=relationship, title=data["title"]
            )
        except ValidationError as error:
            _refused(request, error)
    return _back(relationship)


@login_required
@require_POST
def goal_status(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    relationship = _relationship(request, pk)
    goal = get_object_or_404(Goal, pk=goal_pk, relationship=relationship)
    data = _pair_form(request, forms.GoalStatusForm(request.POST))
    if data is not None:
        try:
            services.goal_set_status(actor=_member(request), goal=goal, status=data["status"])
        except ValidationError as error:
            _refused(request, error)
    return _back(relationship)


@login_required
@require_POST
def check_in(request: HttpRequest, pk: int) -> HttpResponse:
    relationship = _relationship(request, pk)
    data = _pair_form(request, forms.CheckInForm(request.POST))
    if data is not None:
        try:
            services.check_in_add(actor=_member(request), relationship=relationship, **data)
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("Check-in logged."))
    return _back(relationship)


@login_required
@require_POST
def resource_add(request: HttpRequest, pk: int) -> HttpResponse:
    relationship = _relationship(request, pk)
    data = _pair_form(request, forms.ResourceForm(request.POST))
    if data is not None:
        try:
            services.resource_add(actor=_member(request), relationship=relationship, **data)
        except ValidationError as error:
            _refused(request, error)
    return _back(relationship)


@login_required
@require_POST
def feedback(request: HttpRequest, pk: int) -> HttpResponse:
    relationship = _relationship(request, pk)
    data = _pair_form(request, forms.FeedbackForm(request.POST))
    if data is not None:
        try:
            services.feedback_give(actor=_member(request), relationship=relationship, **data)
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("Thank you for your feedback."))
    return _back(relationship)


@login_required
@require_POST
def finish(request: HttpRequest, pk: int) -> HttpResponse:
    relationship = _relationship(request, pk)
    try:
        services.relationship_finish(actor=_member(request), relationship=relationship)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Relationship finished: tell each other what it changed."))
    return _back(relationship)
