from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guilde.webhooks.models import EventKind, Webhook
from guilde.webhooks.services import MAX_NAME
from guilde.webhooks.targets import MAX_URL_LENGTH


class WebhookForm(forms.Form):
    """A webhook's settings; the service checks them again (and the address's scheme and
    network)."""

    name = forms.CharField(
        label=_("Name"),
        max_length=MAX_NAME,
        help_text=_("For you and the other managers, e.g. “#beer-questions on Mattermost”."),
    )
    url = forms.CharField(
        label=_("Address"),
        max_length=MAX_URL_LENGTH,
        help_text=_("An http:// or https:// address that accepts POST requests."),
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=Webhook.Format.choices,
        initial=Webhook.Format.GUILDE,
        widget=forms.RadioSelect,
        help_text=_(
            "Chat: one line of text with a link, for a channel's incoming webhook. "
            "Guilde JSON: the whole event, signed, for your own code (see the documentation)."
        ),
    )
    events = forms.MultipleChoiceField(
        label=_("Events to send"),
        choices=EventKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    include_private = forms.BooleanField(
        label=_("Also send events of private and hidden communities"),
        required=False,
        help_text=_(
            "Off: only public communities' events leave. On: every community's, to an "
            "address whose readers may see them."
        ),
    )

    def __init__(self, *args: Any, instance: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not instance:
            del self.fields["include_private"]

    @classmethod
    def initial_for(cls, webhook: Webhook) -> dict[str, Any]:
        return {
            "name": webhook.name,
            "url": webhook.url,
            "format": webhook.format,
            "events": list(webhook.events),
            "include_private": webhook.include_private,
        }
