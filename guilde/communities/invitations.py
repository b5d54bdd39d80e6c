"""Community invitations open sign-up and are accepted at sign-in (hooks for accounts)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from guilde.accounts.models import User
from guilde.communities import services
from guilde.communities.views import INVITATION_SESSION_KEY


def invited_address(request: HttpRequest) -> str | None:
    token = request.session.get(INVITATION_SESSION_KEY, "")
    invitation = services.invitation_for(token) if token else None
    return invitation.email if invitation is not None else None


def accept_waiting_invitation(request: HttpRequest, member: User) -> None:
    token = request.session.pop(INVITATION_SESSION_KEY, "")
    invitation = services.invitation_for(token) if token else None
    if invitation is not None:
        services.invitation_accept(invitation=invitation, member=member)
        messages.success(request, _("Welcome to %(name)s!") % {"name": invitation.community.name})
