"""Pages of direct messages."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from guilde.accounts.models import Block, User
from guilde.conversations import selectors, services
from guilde.conversations.models import Message, Participant
from guilde.core.decorators import rate_limited

BODY = forms.Textarea(attrs={"rows": 5, "class": "composer-body"})


class NewConversationForm(forms.Form):
    to = forms.CharField(
        label=gettext_lazy("To"),
        max_length=400,
        help_text=gettext_lazy("Usernames, separated by commas."),
    )
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=200, required=False)
    body = forms.CharField(label=gettext_lazy("Message"), max_length=20_000, widget=BODY)


class MessageForm(forms.Form):
    body = forms.CharField(label=gettext_lazy("Your message"), max_length=20_000, widget=BODY)


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("What is wrong with this message?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _member(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


@login_required
@require_GET
def conversation_list(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    page = Paginator(selectors.conversation_list(viewer=member), 30).get_page(
        request.GET.get("page")
    )
    rows = [
        (
            conversation,
            [p.member.name for p in conversation.participants.all() if p.member_id != member.pk],
        )
        for conversation in page.object_list
    ]
    return render(request, "conversations/list.html", {"page": page, "rows": rows})


@login_required
@rate_limited("page_write", methods=("POST",))
def conversation_new(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    form = NewConversationForm(request.POST or None, initial={"to": request.GET.get("to", "")})
    if request.method == "POST" and form.is_valid():
        names = [
            name.strip().lstrip("@") for name in form.cleaned_data["to"].split(",") if name.strip()
        ]
        recipients = list(User.objects.real().filter(username__in=names))
        missing = set(names) - {r.username for r in recipients}
        if missing:
            form.add_error(
                "to", _("Unknown members: %(names)s") % {"names": ", ".join(sorted(missing))}
            )
        else:
            try:
                conversation = services.conversation_start(
                    sender=member,
                    recipients=recipients,
                    body=form.cleaned_data["body"],
                    subject=form.cleaned_data["subject"],
                )
            except (ValidationError, PermissionDenied) as error:
                form.add_error(None, " ".join(getattr(error, "messages", [str(error)])))
            else:
                return redirect("conversations:detail", conversation.pk)
    return render(request, "conversations/new.html", {"form": form})


@login_required
@rate_limited("page_write", methods=("POST",))
def conversation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    conversation = selectors.conversation_get(viewer=member, pk=pk)
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.message_send(
                sender=member, conversation=conversation, body=form.cleaned_data["body"]
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect("conversations:detail", conversation.pk)
    me = Participant.objects.get(conversation=conversation, member=member)
    rows = selectors.messages_of(
        viewer=member, conversation=conversation, last_read_at=me.last_read_at
    )
    services.conversation_read(member=member, conversation=conversation)
    people = [
        p.member
        for p in Participant.objects.filter(
            conversation=conversation, left_at__isnull=True
        ).select_related("member")
    ]
    return render(
        request,
        "conversations/detail.html",
        {
            "conversation": conversation,
            "rows": rows,
            "form": form,
            "others": [person for person in people if person.pk != member.pk],
            "report_form": ReportForm(),
        },
    )


@login_required
@require_POST
def conversation_leave(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    services.conversation_leave(
        member=member, conversation=selectors.conversation_get(viewer=member, pk=pk)
    )
    messages.success(request, _("You left the conversation."))
    return redirect("conversations:list")


@login_required
@require_POST
@rate_limited("page_write")
def message_report(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    message = get_object_or_404(Message.objects.select_related("conversation"), pk=pk)
    selectors.conversation_get(viewer=member, pk=message.conversation_id)
    form = ReportForm(request.POST)
    if form.is_valid():
        services.message_report(
            reporter=member, message=message, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("Thank you: the administrators will look at this message."))
    return redirect("conversations:detail", message.conversation_id)


@login_required
@require_POST
def member_block(request: HttpRequest, username: str) -> HttpResponse:
    member = _member(request)
    other = get_object_or_404(User.objects.real(), username=username)
    on = not Block.objects.filter(blocker=member, blocked=other).exists()
    services.block_set(blocker=member, blocked=other, on=on)
    if on:
        messages.success(request, _("You blocked %(name)s.") % {"name": other.name})
    else:
        messages.success(request, _("You unblocked %(name)s.") % {"name": other.name})
    return redirect("accounts:member", other.username)
