"""How API callers prove who they are: the session (with CSRF) or a personal token.

Personal tokens belong to the accounts app, which registers the function that turns a
bearer token into a member with :func:`register_token_authenticator`. Until one is
registered, bearer tokens are refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.errors import AuthenticationError, AuthorizationError
from ninja.security import APIKeyCookie, HttpBearer, SessionAuth

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TokenAuthenticator = Callable[[HttpRequest, str], Any | None]
_token_authenticators: list[TokenAuthenticator] = []


def register_token_authenticator(authenticator: TokenAuthenticator) -> None:
    """``authenticator(request, token)`` returns the member or None.

    On success it also sets ``request.user`` (so selectors see the member),
    ``request.guilde_token_id`` (rate limits count per token) and
    ``request.guilde_token_scope`` (``read`` tokens are refused unsafe methods).
    """
    if authenticator not in _token_authenticators:
        _token_authenticators.append(authenticator)


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <personal access token>``."""

    openapi_description = "A personal access token, created in the member's profile."

    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        for authenticator in _token_authenticators:
            if (member := authenticator(request, token)) is not None:
                scope = getattr(request, "guilde_token_scope", "write")
                if scope == "read" and request.method not in SAFE_METHODS:
                    raise AuthorizationError(403, "This token may only read.")
                return member
        # A token that was sent but is not valid is an error, never anonymous access.
        raise AuthenticationError(401, "The bearer token is not valid.")


class MemberSessionAuth(SessionAuth):
    """The browser's session; unsafe methods need the CSRF token (``X-CSRFToken``)."""

    openapi_description = "The session cookie of a signed-in member, with CSRF on writes."


class AnonymousAllowed(APIKeyCookie):
    """Lets an operation run for anyone; a signed-in session still identifies the member.

    Listed after the real authenticators on operations that are public, so that a valid
    token or session is used when present and anonymous visitors get what anyone may see.
    """

    param_name = "sessionid"
    openapi_description = "Anyone, signed in or not."

    def __call__(self, request: HttpRequest) -> Any | None:
        return request.user if request.user.is_authenticated else AnonymousUser()

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        return request.user


member_auth = [TokenAuth(), MemberSessionAuth()]
# Managing tokens, deleting the account: only from a signed-in browser, never with a token.
session_only_auth = [MemberSessionAuth()]
public_auth = [TokenAuth(), MemberSessionAuth(), AnonymousAllowed()]
