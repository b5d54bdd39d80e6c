"""Pages of notifications: the list, the bell, preferences, one-click unsubscribe."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guilde.accounts.models import User
from guilde.communities.models import Community, Tag
from guilde.communities.selectors import community_get
from guilde.core.decorators import rate_limited
from guilde.discussions.models import Thread
from guilde.discussions.selectors import thread_by_id
from guilde.notifications import mail, selectors, services
from guilde.notifications.models import DIGEST_CHOICES, Frequency, Kind, Level, Notification


def _member(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    kind = request.GET.get("kind", "")
    kind = kind if kind in Kind.values else ""
    unread_only = request.GET.get("unread") == "1"
    page, rows = selectors.page_of_rows(
        viewer=member,
        notifications=selectors.inbox(viewer=member, kind=kind, unread_only=unread_only),
        page_number=request.GET.get("page"),
    )
    return render(
        request,
        "notifications/list.html",
        {
            "page": page,
            "rows": rows,
            "kinds": Kind.choices,
            "kind": kind,
            "unread_only": unread_only,
        },
    )


@login_required
@require_GET
@never_cache
def bell(request: HttpRequest) -> HttpResponse:
    """The bell and its count (htmx asks every GUILDE_BELL_POLL_SECONDS; see ADR 5)."""
    return render(
        request,
        "notifications/_bell.html",
        {"notification_count": selectors.unread_count(_member(request))},
    )


@login_required
@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(
        Notification.objects.select_related(
            "thread__community", "post__thread__community", "community"
        ),
        pk=pk,
        recipient=_member(request),
    )
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk).update(read_at=timezone.now())
    return redirect(selectors.target_url(notification))


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    ids = [int(value) for value in request.POST.getlist("notification") if value.isdigit()]
    count = services.mark_read(member=_member(request), notification_ids=ids or None)
    messages.success(
        request,
        ngettext(
            "%(count)s notification marked read.", "%(count)s notifications marked read.", count
        )
        % {"count": count},
    )
    return redirect("notifications:list")


class PreferencesForm(forms.Form):
    watch_started = forms.BooleanField(
        label=gettext_lazy("Watch the threads I start"), required=False
    )
    watch_replied = forms.BooleanField(
        label=gettext_lazy("Watch the threads I reply to"), required=False
    )
    messages_from = forms.ChoiceField(
        label=gettext_lazy("Who may send me direct messages"), choices=User.MessagesFrom.choices
    )
    digest = forms.ChoiceField(
        label=gettext_lazy("A digest of the liveliest threads in my communities"),
        choices=DIGEST_CHOICES,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in Kind.choices:
            self.fields[f"email_{kind}"] = forms.ChoiceField(label=label, choices=Frequency.choices)


@login_required
@rate_limited("page_write", methods=("POST",))
def preferences(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    current = services.settings_for(member)
    initial: dict[str, object] = {
        "watch_started": current.watch_started,
        "watch_replied": current.watch_replied,
        "messages_from": member.messages_from,
        "digest": current.digest,
        **{f"email_{kind}": frequency for kind, frequency in services.frequencies(member).items()},
    }
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        current.watch_started, current.watch_replied = data["watch_started"], data["watch_replied"]
        current.digest = data["digest"]
        current.save(update_fields=["watch_started", "watch_replied", "digest"])
        User.objects.filter(pk=member.pk).update(messages_from=data["messages_from"])
        for kind in Kind.values:
            services.frequency_set(member=member, kind=kind, frequency=data[f"email_{kind}"])
        if "resume_mail" in request.POST:
            services.mail_resume(member=member)
        messages.success(request, _("Your notification settings were saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form, "kinds": Kind.choices})


# Mail clients post the one-click unsubscribe without a session: the token is the proof.
@csrf_exempt
@require_http_methods(["GET", "POST"])
@never_cache
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Stop one kind of e-mail, signed in or not (RFC 8058 one-click POST, or a button)."""
    try:
        member_id, kind = mail.read_unsubscribe_token(token)
    except signing.BadSignature as error:
        raise Http404 from error
    member = User.objects.filter(pk=member_id, is_active=True).first()
    if member is None:
        raise Http404
    label = _("digests") if kind == "digest" else Kind(kind).label
    if request.method == "POST":
        if kind == "digest":
            services.digests_stop(member=member)
        else:
            services.frequency_set(member=member, kind=kind, frequency=Frequency.NEVER)
        return render(request, "notifications/unsubscribed.html", {"label": label})
    return render(request, "notifications/unsubscribe.html", {"label": label, "token": token})


def _target(request: HttpRequest, target_type: str, target_id: str) -> Thread | Community | Tag:
    if not target_id.isdigit():
        raise Http404
    if target_type == "thread":
        return thread_by_id(viewer=request.user, pk=int(target_id))
    if target_type == "community":
        community = get_object_or_404(Community, pk=int(target_id))
        return community_get(viewer=request.user, slug=community.slug, action="view")
    if target_type == "tag":
        tag = get_object_or_404(Tag.objects.select_related("community"), pk=int(target_id))
        community_get(viewer=request.user, slug=tag.community.slug, action="view")
        return tag
    raise Http404


@login_required
@require_POST
@rate_limited("page_write")
def subscription_set(request: HttpRequest) -> HttpResponse:
    """Watch, track or mute a thread, a community or a tag (from their pages)."""
    target = _target(
        request, request.POST.get("target_type", ""), request.POST.get("target_id", "")
    )
    level = request.POST.get("level") or None
    try:
        services.subscription_set(
            member=_member(request), target=target, level=level if level in Level.values else None
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your choice was saved."))
    next_url = request.POST.get("next", "")
    return redirect(next_url if next_url.startswith("/") and not next_url.startswith("//") else "/")
