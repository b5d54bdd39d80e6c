"""How allauth fits the instance's rules: registration mode, invitations, confirmations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext as _

from guilde.accounts import services
from guilde.accounts.models import InstanceSettings, Invitation, User
from guilde.core import indexing

INVITATION_SESSION_KEY = "guilde_invitation"

# Other apps' invitations also open sign-up (a community invitation, say): a permit reads
# the request (its session) and returns the address it was sent to, or None.
SignupPermit = Callable[[HttpRequest], str | None]
LoginHook = Callable[[HttpRequest, User], None]
_signup_permits: list[SignupPermit] = []
_login_hooks: list[LoginHook] = []


def register_signup_permit(permit: SignupPermit) -> None:
    if permit not in _signup_permits:
        _signup_permits.append(permit)


def register_login_hook(hook: LoginHook) -> None:
    """Run ``hook(request, member)`` after each sign-in (to accept a waiting invitation)."""
    if hook not in _login_hooks:
        _login_hooks.append(hook)


def invited_addresses(request: HttpRequest) -> set[str]:
    addresses = {permit(request) for permit in _signup_permits}
    if (invitation := session_invitation(request)) is not None:
        addresses.add(invitation.email)
    return {address.lower() for address in addresses if address}


def session_invitation(request: HttpRequest) -> Invitation | None:
    plain = request.session.get(INVITATION_SESSION_KEY, "")
    return services.invitation_for(plain) if plain else None


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # allauth has no type hints
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        mode = InstanceSettings.current().registration_mode
        if mode == InstanceSettings.Registration.INVITATION:
            return bool(invited_addresses(request))
        return True

    def clean_email(self, email: str) -> str:
        email = super().clean_email(email)
        instance = InstanceSettings.current()
        request = self.request
        invitation_only = instance.registration_mode == InstanceSettings.Registration.INVITATION
        if invitation_only and request and email.lower() not in invited_addresses(request):
            raise forms.ValidationError(_("Use the address your invitation was sent to."))
        if not instance.allows_email(email):
            domains = ", ".join(instance.allowed_email_domains)
            raise forms.ValidationError(
                _("Sign-up is open to addresses at %(domains)s only.") % {"domains": domains}
            )
        return email

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        saved = super().save_user(request, user, form, commit=commit)
        if commit:
            indexing.changed("member", saved.pk)
        if commit and (invitation := session_invitation(request)) is not None:
            services.invitation_accept(invitation=invitation, member=saved)
            request.session.pop(INVITATION_SESSION_KEY, None)
        return saved

    def confirm_email(self, request: HttpRequest, email_address: EmailAddress) -> bool:
        confirmed: bool = super().confirm_email(request, email_address)
        if isinstance(email_address.user, User):
            services.affiliations_reconfirm(member=email_address.user)
        return confirmed

    def post_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> Any:
        response = super().post_login(request, user, **kwargs)
        for hook in _login_hooks:
            hook(request, user)
        return response

    def get_client_ip(self, request: HttpRequest) -> str:
        from guilde.core.ratelimits import client_address

        return client_address(request)
