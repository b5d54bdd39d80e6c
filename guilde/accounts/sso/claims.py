"""What a provider says about a person: their groups, and a username to offer them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings

from guilde.accounts.models import User

USERNAME_MAX = 30  # guilde.accounts.validators.USERNAME_VALIDATORS
FALLBACK_USERNAME = "member"


def claims_of(extra_data: Any) -> dict[str, Any]:
    """The claims allauth stored for a sign-in, whatever the protocol.

    OpenID Connect keeps ``{"userinfo": {...}, "id_token": {...}}`` (userinfo first, the ID
    token filling the gaps); SAML keeps the assertion's attributes, each a list of values.
    """
    if not isinstance(extra_data, Mapping):
        return {}
    if "userinfo" in extra_data or "id_token" in extra_data:
        merged: dict[str, Any] = {}
        for part in ("id_token", "userinfo"):
            if isinstance(value := extra_data.get(part), Mapping):
                merged.update(value)
        return merged
    return dict(extra_data)


def groups_in(claims: Mapping[str, Any], claim: str) -> set[str]:
    """The groups listed under ``claim``: a list, or one string (spaces or commas apart)."""
    if not claim:
        return set()
    value = claims.get(claim)
    if isinstance(value, str):
        return {part for part in re.split(r"[\s,]+", value) if part}
    if isinstance(value, Iterable):
        return {str(item).strip() for item in value if str(item).strip()}
    return set()


def _username_base(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", ascii_text.strip())
    cleaned = re.sub(r"^[^A-Za-z0-9]+", "", cleaned).rstrip("-.")
    return cleaned[: USERNAME_MAX - 4].rstrip("-.")


def _candidates(claims: Mapping[str, Any]) -> Iterable[str]:
    for key in ("preferred_username", "nickname", "username"):
        if isinstance(value := claims.get(key), str):
            yield value.split("@", 1)[0]
    if isinstance(email := claims.get("email"), str):
        yield email.split("@", 1)[0]
    if isinstance(name := claims.get("name"), str):
        yield name


def username_from_claims(claims: Mapping[str, Any]) -> str:
    """A free username from the claims (preferred username, then the address, then the name).

    It follows the username rules (2-30 ASCII letters, digits, ``._-``, not a reserved
    word, at least ``ACCOUNT_USERNAME_MIN_LENGTH``); a taken one gets ``-2``, ``-3``...
    """
    reserved = {word.lower() for word in settings.ACCOUNT_USERNAME_BLACKLIST}
    minimum = max(settings.ACCOUNT_USERNAME_MIN_LENGTH, 2)
    base = next(
        (
            candidate
            for candidate in map(_username_base, _candidates(claims))
            if len(candidate) >= minimum and candidate.lower() not in reserved
        ),
        FALLBACK_USERNAME,
    )
    taken = {
        name.lower()
        for name in User.objects.filter(username__istartswith=base).values_list(
            "username", flat=True
        )
    }
    if base.lower() not in taken:
        return base
    number = 2
    while f"{base}-{number}".lower() in taken:
        number += 1
    return f"{base}-{number}"
