"""Bearer-token authentication for the API, backed by personal access tokens."""

from __future__ import annotations

from django.http import HttpRequest

from guilde.accounts.models import User
from guilde.accounts.services import token_authenticate


def authenticate_bearer(request: HttpRequest, plain: str) -> User | None:
    token = token_authenticate(plain)
    if token is None:
        return None
    request.user = token.member
    request.guilde_token_id = token.pk  # type: ignore[attr-defined]  # read by the rate limits
    request.guilde_token_scope = token.scope  # type: ignore[attr-defined]  # read by TokenAuth
    return token.member
