"""How allauth fits the instance's rules: registration mode, invitations, confirmations,
and single sign-on (:class:`SocialAccountAdapter`, docs/sso.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
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
        sociallogin = (kwargs.get("signal_kwargs") or {}).get("sociallogin")
        if sociallogin is not None and isinstance(user, User):
            from guilde.accounts.sso.login import sso_login_apply

            sso_login_apply(
                member=user,
                provider_id=sociallogin.account.provider,
                extra_data=sociallogin.account.extra_data,
            )
        for hook in _login_hooks:
            hook(request, user)
        return response

    # Domains that must use single sign-on: no password sign-in, reset or mail for them.

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        from guilde.accounts.sso.passwords import refusal, requirement_for_email

        super().pre_authenticate(request, **credentials)
        email = credentials.get("email") or ""
        if email and (requirement := requirement_for_email(email)) is not None:
            raise forms.ValidationError(refusal(requirement))

    def authenticate(self, request: HttpRequest, **credentials: Any) -> Any:
        from guilde.accounts.sso.passwords import refusal, requirement_for_member

        user = super().authenticate(request, **credentials)
        # Another of the member's addresses may be at such a domain; said only to whoever
        # knows the password, so it reveals nothing about the account to others.
        if isinstance(user, User) and (requirement := requirement_for_member(user)) is not None:
            raise forms.ValidationError(refusal(requirement))
        return user

    def send_password_reset_mail(self, user: Any, email: str, context: dict[str, Any]) -> None:
        from guilde.accounts.sso.passwords import requirement_for_member

        if isinstance(user, User) and requirement_for_member(user) is not None:
            return
        super().send_password_reset_mail(user, email, context)

    def get_client_ip(self, request: HttpRequest) -> str:
        from guilde.core.ratelimits import client_address

        return client_address(request)


class SocialAccountAdapter(DefaultSocialAccountAdapter):  # type: ignore[misc]  # no type hints
    """Single sign-on: accounts created just in time, and linking by e-mail kept safe."""

    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        from guilde.accounts.sso.login import identity_provider_for

        provider = identity_provider_for(sociallogin.account.provider)
        if provider is not None and provider.allow_signup:
            return True
        opened: bool = super().is_open_for_signup(request, sociallogin)
        return opened

    def populate_user(self, request: HttpRequest, sociallogin: Any, data: dict[str, Any]) -> Any:
        from guilde.accounts.sso.claims import claims_of, username_from_claims

        user = sociallogin.user
        given = {key: value for key, value in data.items() if value}
        user.username = username_from_claims({**claims_of(sociallogin.account.extra_data), **given})
        user.email = data.get("email") or ""
        name = data.get("name") or " ".join(
            part for part in (data.get("first_name"), data.get("last_name")) if part
        )
        user.display_name = (name or "")[:150]
        return user

    def is_email_verified(self, provider: Any, email: str) -> bool:
        """Only the provider's own assertion (``email_verified``) counts, never configuration."""
        return False

    def authenticate_by_email(self, sociallogin: Any) -> tuple[User, str] | None:
        """Link a sign-in to an existing account only when both sides verified the address.

        The provider must assert ``email_verified`` for it, and the local address must be
        verified here: anyone can type an address at sign-up, and a provider that does not
        check addresses would otherwise hand over the account (docs/sso.md).
        """
        asserted = [address.email for address in sociallogin.email_addresses if address.verified]
        for email in asserted:
            if not self.can_authenticate_by_email(sociallogin, email):
                continue
            local = (
                EmailAddress.objects.filter(email__iexact=email, verified=True)
                .select_related("user")
                .first()
            )
            if local is None or not isinstance(local.user, User):
                continue
            member = local.user
            if member.is_active and not member.is_placeholder and member.deleted_at is None:
                return member, local.email
        return None

    def save_user(self, request: HttpRequest, sociallogin: Any, form: Any = None) -> Any:
        saved = super().save_user(request, sociallogin, form=form)
        if form is None:  # with a form, AccountAdapter.save_user has done it
            indexing.changed("member", saved.pk)
        return saved
