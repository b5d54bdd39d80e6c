"""Pages of moderation: flagging, the queue, decisions, thread tools, members, the log,
notices and appeals."""

from __future__ import annotations

import csv
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guilde.accounts.models import User
from guilde.communities import selectors as community_selectors
from guilde.communities import services as community_services
from guilde.communities.models import Community, Membership, ModerationLogEntry
from guilde.communities.selectors import with_viewer_membership
from guilde.core.decorators import rate_limited
from guilde.core.permissions import can, require
from guilde.discussions import selectors as discussion_selectors
from guilde.discussions import services as discussions
from guilde.discussions.models import Post, Thread
from guilde.moderation import forms, selectors, services
from guilde.moderation.models import Appeal
from guilde.moderation.permissions import APPEALABLE
from guilde.search import selectors as search_selectors

QUEUE_PAGE = 30
LOG_PAGE = 50


def _member(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _errors(request: HttpRequest, error: ValidationError | PermissionDenied) -> None:
    messages.error(request, " ".join(getattr(error, "messages", [str(error)])))


def _community(request: HttpRequest, slug: str, action: str) -> Community:
    return community_selectors.community_get(viewer=request.user, slug=slug, action=action)


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """Render, with the community header's permissions when there is a community."""
    community = context.get("community")
    if community is not None:
        context["permissions"] = community_selectors.viewer_permissions(request.user, community)
    return render(request, template, context)


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//") else fallback)


# Flagging ---------------------------------------------------------------------------------


@login_required
@rate_limited("flag", methods=("POST",))
def flag(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = _community(request, slug, "view")
    post = discussion_selectors.post_get(viewer=request.user, pk=pk, action="flag")
    if post.thread.community_id != community.pk:
        raise Http404
    form = forms.FlagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.flag_create(
                actor=_member(request),
                post=post,
                reason=form.cleaned_data["reason"],
                text=form.cleaned_data["text"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Thank you: the moderators will look at this post."))
            return redirect(post.thread.get_absolute_url() + f"?post={post.position}")
    return _render(
        request, "moderation/flag.html", {"community": community, "post": post, "form": form}
    )


# The queue --------------------------------------------------------------------------------


def _queue(request: HttpRequest, community: Community | None) -> HttpResponse:
    viewer = _member(request)
    page = Paginator(selectors.queue_posts(community=community), QUEUE_PAGE).get_page(
        request.GET.get("page")
    )
    items = selectors.queue_items(list(page.object_list))
    appeals = selectors.open_appeals(viewer=viewer, community=community)
    return _render(
        request,
        "moderation/queue.html",
        {
            "community": community,
            "page": page,
            "items": items,
            "appeals": appeals,
            "appeal_form": forms.AppealDecisionForm(),
        },
    )


@login_required
@require_GET
def queue(request: HttpRequest, slug: str) -> HttpResponse:
    return _queue(request, _community(request, slug, "moderate"))


@login_required
@require_GET
def instance_queue(request: HttpRequest) -> HttpResponse:
    if not _member(request).is_staff:
        raise Http404
    return _queue(request, None)


@login_required
@require_POST
def decide(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One click from the queue: agree / disagree with flags, approve / reject a held post."""
    community = _community(request, slug, "moderate")
    post = discussion_selectors.post_get(viewer=request.user, pk=pk, action="hide")
    if post.thread.community_id != community.pk:
        raise Http404
    form = forms.DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision."))
        return _back(request, reverse("moderation:queue", args=[slug]))
    decision, reason = form.cleaned_data["decision"], form.cleaned_data["reason"]
    actor = _member(request)
    try:
        if decision in ("agree", "disagree"):
            services.flags_resolve(actor=actor, post=post, agree=decision == "agree", reason=reason)
        else:
            services.held_post_decide(
                actor=actor, post=post, approve=decision == "approve", reason=reason
            )
    except (ValidationError, PermissionDenied) as error:
        _errors(request, error)
    else:
        messages.success(request, _("Done."))
    return _back(request, reverse("moderation:queue", args=[slug]))


# Thread tools -----------------------------------------------------------------------------


def _moderated_elsewhere(viewer: User, thread: Thread) -> list[tuple[str, str]]:
    candidates = list(
        Community.objects.filter(status=Community.Status.ACTIVE)
        .exclude(pk=thread.community_id)
        .order_by("name")
    )
    with_viewer_membership(candidates, viewer)
    return [(c.slug, c.name) for c in candidates if can(viewer, "moderate", c)]


def _duplicate_suggestions(viewer: User, thread: Thread) -> list[Any]:
    """Questions of the same community most like this one (words and meaning), for
    closing it as a duplicate in one click."""
    if not thread.is_question or thread.duplicate_of_id:
        return []
    return search_selectors.questions_like(viewer=viewer, thread=thread)


@login_required
def thread_tools(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Lock, pin, close, slow mode, move, merge, split: one page, one form each."""
    community = _community(request, slug, "view")
    thread = discussion_selectors.thread_get(
        viewer=request.user, community=community, pk=pk, action="moderate"
    )
    actor = _member(request)
    replies = list(
        Post.objects.filter(thread=thread, position__gt=1)
        .select_related("author")
        .order_by("position")[:200]
    )
    split_choices = [
        (
            p.position,
            f"#{p.position} {p.author.name if p.author else '—'}: {Truncator(p.body).chars(80)}",
        )
        for p in replies
    ]
    move_choices = _moderated_elsewhere(actor, thread)
    action = request.POST.get("action", "")
    data = request.POST if request.method == "POST" else None
    lock_form = forms.LockForm(data if action == "lock" else None)
    close_form = forms.CloseForm(data if action == "close" else None)
    duplicate_form = forms.DuplicateForm(data if action == "duplicate" else None)
    slow_form = forms.SlowModeForm(
        data if action == "slow_mode" else None, initial={"minutes": thread.slow_mode_minutes}
    )
    move_form = forms.MoveForm(data if action == "move" else None, choices=move_choices)
    merge_form = forms.MergeForm(data if action == "merge" else None)
    split_form = forms.SplitForm(data if action == "split" else None, choices=split_choices)
    if request.method == "POST":
        try:
            result = _thread_action(actor, thread, action, locals())
        except (ValidationError, PermissionDenied) as error:
            _errors(request, error)
        else:
            if result is not None:
                messages.success(request, _("Done."))
                return redirect(result)
    return _render(
        request,
        "moderation/thread_tools.html",
        {
            "community": community,
            "thread": thread,
            "lock_form": lock_form,
            "close_form": close_form,
            "duplicate_form": duplicate_form,
            "suggestions": _duplicate_suggestions(actor, thread),
            "slow_form": slow_form,
            "move_form": move_form if move_choices else None,
            "merge_form": merge_form,
            "split_form": split_form if split_choices else None,
        },
    )


def _thread_action(actor: User, thread: Thread, action: str, scope: dict[str, Any]) -> str | None:
    """Run one tool; the address to go to, or None when its form is invalid."""
    here = reverse("moderation:thread", args=[thread.community.slug, thread.pk])
    simple = {
        "unlock": lambda: discussions.thread_moderate(actor=actor, thread=thread, locked=False),
        "pin": lambda: discussions.thread_moderate(actor=actor, thread=thread, pinned=True),
        "unpin": lambda: discussions.thread_moderate(actor=actor, thread=thread, pinned=False),
        "pin_globally": lambda: discussions.thread_moderate(
            actor=actor, thread=thread, pinned_globally=True
        ),
        "unpin_globally": lambda: discussions.thread_moderate(
            actor=actor, thread=thread, pinned_globally=False
        ),
        "reopen": lambda: discussions.thread_reopen(actor=actor, thread=thread),
    }
    if action in simple:
        simple[action]()
        return here
    form = scope.get(f"{action}_form") or scope.get({"slow_mode": "slow_form"}.get(action, ""))
    if form is None or not form.is_valid():
        return None
    data = form.cleaned_data
    if action == "lock":
        discussions.thread_moderate(actor=actor, thread=thread, locked=True, reason=data["reason"])
    elif action == "close":
        discussions.thread_close(actor=actor, thread=thread, reason=data["reason"])
    elif action == "duplicate":
        original = discussion_selectors.thread_by_id(viewer=actor, pk=data["original"])
        discussions.thread_close_as_duplicate(
            actor=actor, thread=thread, original=original, reason=data["reason"]
        )
    elif action == "slow_mode":
        discussions.thread_slow_mode(actor=actor, thread=thread, minutes=data["minutes"])
    elif action == "move":
        to = get_object_or_404(Community, slug=data["to"])
        with_viewer_membership([to], actor)
        moved = discussions.thread_move(actor=actor, thread=thread, to=to, reason=data["reason"])
        return moved.get_absolute_url()
    elif action == "merge":
        into = discussion_selectors.thread_by_id(viewer=actor, pk=data["into"], action="moderate")
        merged = discussions.thread_merge(
            actor=actor, source=thread, into=into, reason=data["reason"]
        )
        return merged.get_absolute_url()
    elif action == "split":
        new = discussions.thread_split(
            actor=actor, thread=thread, positions=data["positions"], title=data["title"]
        )
        return new.get_absolute_url()
    else:
        raise ValidationError(_("Unknown action."))
    return here


# Members ----------------------------------------------------------------------------------


@login_required
def member(request: HttpRequest, slug: str, username: str) -> HttpResponse:
    """A member as the community's moderators see them: suspend, lift, warn; their record."""
    community = _community(request, slug, "moderate")
    membership = get_object_or_404(
        Membership.objects.select_related("member", "community"),
        community=community,
        member__username=username,
    )
    actor = _member(request)
    action = request.POST.get("action", "")
    suspend_form = forms.SuspendForm(request.POST if action == "suspend" else None)
    warn_form = forms.WarnForm(request.POST if action == "warn" else None)
    if request.method == "POST":
        try:
            if action == "suspend" and suspend_form.is_valid():
                community_services.membership_suspend(
                    actor=actor,
                    membership=membership,
                    until=forms.until(suspend_form.cleaned_data["days"]),
                    reason=suspend_form.cleaned_data["reason"],
                )
            elif action == "unsuspend":
                community_services.membership_unsuspend(actor=actor, membership=membership)
            elif action == "warn" and warn_form.is_valid():
                services.warn(
                    actor=actor,
                    community=community,
                    member=membership.member,
                    message=warn_form.cleaned_data["message"],
                )
            else:
                raise ValidationError(_("Check the form."))
        except (ValidationError, PermissionDenied) as error:
            _errors(request, error)
        else:
            messages.success(request, _("Done."))
            return redirect("moderation:member", slug, username)
    history = (
        list(selectors.log_entries(community=community).filter(member=membership.member)[:50])
        if can(actor, "audit", community)
        else []
    )
    return _render(
        request,
        "moderation/member.html",
        {
            "community": community,
            "membership": membership,
            "person": membership.member,
            "suspend_form": suspend_form,
            "warn_form": warn_form,
            "history": history,
        },
    )


@login_required
def silence(request: HttpRequest, username: str) -> HttpResponse:
    """Administrators: silence a member everywhere, or lift it."""
    actor = _member(request)
    if not actor.is_staff:
        raise Http404
    person = get_object_or_404(User.objects.real(), username=username)
    form = forms.SuspendForm(request.POST if request.POST.get("action") == "silence" else None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "unsilence":
                services.member_unsilence(actor=actor, member=person)
            elif form.is_valid():
                services.member_silence(
                    actor=actor,
                    member=person,
                    until=forms.until(form.cleaned_data["days"]),
                    reason=form.cleaned_data["reason"],
                )
            else:
                raise ValidationError(_("Check the form."))
        except (ValidationError, PermissionDenied) as error:
            _errors(request, error)
        else:
            messages.success(request, _("Done."))
            return redirect("moderation:silence", username)
    history = list(
        ModerationLogEntry.objects.filter(member=person)
        .select_related("actor", "community")
        .order_by("-created_at")[:50]
    )
    return _render(
        request, "moderation/silence.html", {"person": person, "form": form, "history": history}
    )


# The log ----------------------------------------------------------------------------------


def _log(request: HttpRequest, community: Community | None) -> HttpResponse:
    page = Paginator(selectors.log_entries(community=community), LOG_PAGE).get_page(
        request.GET.get("page")
    )
    return _render(request, "moderation/log.html", {"community": community, "page": page})


@login_required
@require_GET
def log(request: HttpRequest, slug: str) -> HttpResponse:
    return _log(request, _community(request, slug, "audit"))


@login_required
@require_GET
def instance_log(request: HttpRequest) -> HttpResponse:
    if not _member(request).is_staff:
        raise Http404
    return _log(request, None)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv(community: Community | None) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    header = ["when", "community", "action", "moderator", "on", "id", "what", "member", "reason"]

    def rows() -> Any:
        yield writer.writerow(header)
        for entry in selectors.log_entries(community=community).iterator(chunk_size=500):
            yield writer.writerow(
                [
                    entry.created_at.isoformat(),
                    entry.community.slug if entry.community else "",
                    entry.action,
                    entry.actor.username if entry.actor else "",
                    entry.target_type,
                    entry.target_id or "",
                    entry.target_label,
                    entry.member.username if entry.member else "",
                    entry.reason,
                ]
            )

    name = f"moderation-log-{community.slug if community else 'all'}.csv"
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def log_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    return _csv(_community(request, slug, "audit"))


@login_required
@require_GET
def instance_log_csv(request: HttpRequest) -> StreamingHttpResponse:
    if not _member(request).is_staff:
        raise Http404
    return _csv(None)


# Notices and appeals ---------------------------------------------------------------------------


def _entry(request: HttpRequest, pk: int) -> ModerationLogEntry:
    entry = (
        ModerationLogEntry.objects.select_related("community", "member", "actor")
        .filter(pk=pk)
        .first()
    )
    if entry is None:
        raise Http404
    if entry.community is not None:
        with_viewer_membership([entry.community], request.user)
    require(request.user, "view", entry)
    return entry


@login_required
def notice(request: HttpRequest, pk: int) -> HttpResponse:
    """A decision as the member it concerns reads it; they may appeal it once."""
    entry = _entry(request, pk)
    actor = _member(request)
    form = forms.AppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.appeal_create(
                actor=actor, decision=entry, message=form.cleaned_data["message"]
            )
        except (ValidationError, PermissionDenied) as error:
            _errors(request, error)
        else:
            messages.success(
                request, _("Your appeal was sent; someone other than who decided will answer.")
            )
            return redirect("moderation:notice", entry.pk)
    appeal = Appeal.objects.filter(decision=entry).first()
    until = entry.details.get("until") if isinstance(entry.details, dict) else None
    return _render(
        request,
        "moderation/notice.html",
        {
            "entry": entry,
            "appeal": appeal,
            "form": form if can(actor, "appeal", entry) else None,
            "appealable": entry.action in APPEALABLE,
            "is_member": entry.member_id == actor.pk,
            "until": datetime.fromisoformat(until) if until else None,
        },
    )


@login_required
@require_POST
def appeal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = get_object_or_404(
        Appeal.objects.select_related("decision", "community", "member"), pk=pk
    )
    if appeal.community is not None:
        with_viewer_membership([appeal.community], request.user)
    require(request.user, "decide", appeal)
    form = forms.AppealDecisionForm(request.POST)
    if form.is_valid():
        try:
            services.appeal_decide(
                actor=_member(request),
                appeal=appeal,
                overturn=form.cleaned_data["decision"] == "overturn",
                outcome=form.cleaned_data["outcome"],
            )
        except (ValidationError, PermissionDenied) as error:
            _errors(request, error)
        else:
            messages.success(request, _("The appeal is decided; the member is told."))
    else:
        messages.error(request, _("Choose a decision and explain it."))
    fallback = (
        reverse("moderation:queue", args=[appeal.community.slug])
        if appeal.community
        else reverse("moderation:instance_queue")
    )
    return _back(request, fallback)
