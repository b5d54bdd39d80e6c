"""Pages of webhooks, the same for a community's (coordinators; under the community's address)
and the instance's (administrators; under /webhooks/): the list, a new webhook (its secret
shown once), a webhook's settings with its delivery log, and the buttons that send a test,
turn it off or on, show or replace the secret, and delete it."""

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
from django.views.decorators.http import require_http_methods, require_POST

from guilde.accounts.models import User
from guilde.communities import selectors as community_selectors
from guilde.communities.models import Community
from guilde.core.decorators import rate_limited
from guilde.core.forms import add_service_errors
from guilde.core.permissions import can
from guilde.webhooks import selectors, services
from guilde.webhooks.forms import WebhookForm
from guilde.webhooks.models import Webhook
from guilde.webhooks.permissions import may_manage_instance_webhooks

DELIVERIES_PER_PAGE = 25


def _member(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _scope(request: HttpRequest, slug: str | None) -> Community | None:
    """The community whose webhooks these are (None: the instance's), if the viewer may
    manage them: 404 for a community they may not see, 403 otherwise."""
    if slug is None:
        if not may_manage_instance_webhooks(request.user):
            raise PermissionDenied
        return None
    return community_selectors.community_get(
        viewer=request.user, slug=slug, action="manage_webhooks", details=False
    )


def url_for(name: str, community: Community | None, *args: Any) -> str:
    if community is None:
        return reverse(f"webhooks:instance_{name}", args=args)
    return reverse(f"webhooks:community_{name}", args=[community.slug, *args])


def _render(
    request: HttpRequest, template: str, community: Community | None, context: dict[str, Any]
) -> HttpResponse:
    context = {"community": community, "list_url": url_for("list", community), **context}
    if community is not None:
        context["permissions"] = community_selectors.viewer_permissions(request.user, community)
    return render(request, template, context)


def _secret_page(
    request: HttpRequest, community: Community | None, webhook: Webhook, secret: str, *, new: bool
) -> HttpResponse:
    response = _render(
        request,
        "webhooks/secret.html",
        community,
        {
            "webhook": webhook,
            "secret": secret,
            "new": new,
            "detail_url": url_for("detail", community, webhook.pk),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET"])
def webhook_list(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    community = _scope(request, slug)
    webhooks = list(selectors.webhook_list(viewer=request.user, community=community))
    rows = [(webhook, url_for("detail", community, webhook.pk)) for webhook in webhooks]
    return _render(
        request,
        "webhooks/list.html",
        community,
        {"rows": rows, "create_url": url_for("create", community)},
    )


def _settings(form: WebhookForm) -> dict[str, Any]:
    """What the form sets, as the services take it."""
    data = form.cleaned_data
    return {
        "name": data["name"],
        "url": data["url"],
        "format": data["format"],
        "events": data["events"],
        "include_private": data.get("include_private", False),
    }


@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("page_write")
def webhook_create(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    community = _scope(request, slug)
    form = WebhookForm(request.POST or None, instance=community is None)
    if request.method == "POST" and form.is_valid():
        try:
            webhook, secret = services.webhook_create(
                actor=_member(request),
                community=community,
                **_settings(form),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _secret_page(request, community, webhook, secret, new=True)
    return _render(request, "webhooks/create.html", community, {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("page_write")
def webhook_detail(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    """The webhook's settings (a form), its state and buttons, and its delivery log."""
    community = _scope(request, slug)
    webhook = selectors.webhook_get(viewer=request.user, pk=pk, community=community)
    form = WebhookForm(
        request.POST or None, instance=community is None, initial=WebhookForm.initial_for(webhook)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.webhook_update(
                actor=_member(request),
                webhook=webhook,
                **_settings(form),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The webhook is saved."))
            return redirect(url_for("detail", community, webhook.pk))
    deliveries = selectors.delivery_list(viewer=request.user, webhook=webhook)
    page = Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    return _render(
        request,
        "webhooks/detail.html",
        community,
        {
            "webhook": webhook,
            "form": form,
            "page": page,
            "is_owner": can(request.user, "secret", webhook),
            "urls": {
                name: url_for(name, community, webhook.pk)
                for name in ("detail", "test", "state", "secret", "rotate", "delete")
            },
        },
    )


def _act(request: HttpRequest, pk: int, slug: str | None) -> tuple[Community | None, Webhook]:
    community = _scope(request, slug)
    return community, selectors.webhook_get(viewer=request.user, pk=pk, community=community)


@login_required
@require_POST
@rate_limited("page_write")
def webhook_test(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    community, webhook = _act(request, pk, slug)
    try:
        services.webhook_test(actor=_member(request), webhook=webhook)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("A test is on its way: its result appears in the log."))
    return redirect(url_for("detail", community, webhook.pk))


@login_required
@require_POST
@rate_limited("page_write")
def webhook_state(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    community, webhook = _act(request, pk, slug)
    enabled = request.POST.get("enabled") == "1"
    services.webhook_set_enabled(actor=_member(request), webhook=webhook, enabled=enabled)
    messages.success(
        request,
        _("The webhook is on: it sends what you may see.")
        if enabled
        else _("The webhook is off: nothing leaves until it is turned on again."),
    )
    return redirect(url_for("detail", community, webhook.pk))


@login_required
@require_POST
@rate_limited("page_write")
def webhook_secret(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    """Show the signing secret again, to the webhook's owner alone."""
    community, webhook = _act(request, pk, slug)
    secret = selectors.secret_get(viewer=request.user, webhook=webhook)
    return _secret_page(request, community, webhook, secret, new=False)


@login_required
@require_POST
@rate_limited("page_write")
def webhook_rotate(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    community, webhook = _act(request, pk, slug)
    secret = services.webhook_rotate_secret(actor=_member(request), webhook=webhook)
    return _secret_page(request, community, webhook, secret, new=True)


@login_required
@require_POST
@rate_limited("page_write")
def webhook_delete(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    community, webhook = _act(request, pk, slug)
    services.webhook_delete(actor=_member(request), webhook=webhook)
    messages.success(request, _("The webhook “%(name)s” is deleted.") % {"name": webhook.name})
    return redirect(url_for("list", community))
