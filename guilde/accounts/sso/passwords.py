"""E-mail domains whose members must sign in through single sign-on, never a password.

Two sources, both at once: ``GUILDE_SSO_ONLY_DOMAINS`` (settings) and each identity
provider's "e-mail domains that must use this provider" (admin). Password sign-in, password
reset and sign-up with a password are refused for an address at such a domain, with a
message that points at the provider's button on the sign-in page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.account.forms import ResetPasswordForm, SignupForm
from allauth.account.models import EmailAddress
from django import forms
from django.conf import settings
from django.utils.translation import gettext as _

from guilde.accounts.models import IdentityProvider, User


@dataclass(frozen=True)
class SsoRequirement:
    domain: str
    provider_id: str  # empty: any provider (the settings' list names none)


def _domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower() if "@" in email else ""


def _normalise(domain: str) -> str:
    return domain.strip().lower().lstrip("@")


def sso_only_domains() -> dict[str, str]:
    """Each domain that must use single sign-on, and the provider named for it (or "")."""
    domains = {_normalise(d): "" for d in settings.GUILDE_SSO_ONLY_DOMAINS if d.strip()}
    for provider_id, listed in IdentityProvider.objects.values_list(
        "provider_id", "password_disabled_domains"
    ):
        for domain in listed or []:
            if isinstance(domain, str) and domain.strip():
                domains[_normalise(domain)] = provider_id
    return domains


def requirement_for_email(email: str) -> SsoRequirement | None:
    domain = _domain(email)
    if not domain:
        return None
    domains = sso_only_domains()
    if domain not in domains:
        return None
    return SsoRequirement(domain=domain, provider_id=domains[domain])


def requirement_for_member(member: User) -> SsoRequirement | None:
    """The rule that applies to any of the member's addresses, if one does."""
    domains = sso_only_domains()
    if not domains:
        return None
    addresses = {
        member.email,
        *EmailAddress.objects.filter(user=member).values_list("email", flat=True),
    }
    for address in sorted(a for a in addresses if a):
        if (domain := _domain(address)) in domains:
            return SsoRequirement(domain=domain, provider_id=domains[domain])
    return None


def _provider_name(provider_id: str) -> str:
    if not provider_id:
        return ""
    from allauth.socialaccount.adapter import get_adapter

    apps = get_adapter().list_apps(None, provider=provider_id)
    return str(apps[0].name or provider_id) if apps else provider_id


def refusal(requirement: SsoRequirement) -> str:
    """The message a member at an SSO-only domain reads instead of a password form's result."""
    name = _provider_name(requirement.provider_id)
    if name:
        return _(
            "Addresses at %(domain)s sign in with single sign-on, not a password: use the "
            "“Sign in with %(provider)s” button on the sign-in page."
        ) % {"domain": requirement.domain, "provider": name}
    return _(
        "Addresses at %(domain)s sign in with single sign-on, not a password: use your "
        "organisation's button on the sign-in page."
    ) % {"domain": requirement.domain}


class SsoAwareResetPasswordForm(ResetPasswordForm):  # type: ignore[misc]  # allauth has no type hints
    """Password reset, refused for an address at a domain that must use single sign-on."""

    def clean_email(self) -> str:
        email: str = super().clean_email()
        if (requirement := requirement_for_email(email)) is not None:
            raise forms.ValidationError(refusal(requirement))
        return email


class SsoAwareSignupForm(SignupForm):  # type: ignore[misc]  # allauth has no type hints
    """Sign-up with a password, refused for an address at a domain that must use SSO."""

    def clean_email(self) -> Any:
        email = super().clean_email()
        if email and (requirement := requirement_for_email(email)) is not None:
            raise forms.ValidationError(refusal(requirement))
        return email
