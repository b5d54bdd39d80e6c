"""Who may see and write in a conversation: its participants, nobody else.

Not moderators, not administrators: a message reaches an administrator only when a
participant reports it, and then only that message (see MessageReport).
"""

from __future__ import annotations

from typing import Any

from guilde.conversations.models import Conversation, Participant
from guilde.core.permissions import rule


def participant(viewer: Any, conversation: Conversation) -> Participant | None:
    if viewer is None or not viewer.is_authenticated:
        return None
    cache: dict[int, Participant | None] = conversation.__dict__.setdefault("_participants", {})
    if viewer.pk not in cache:
        cache[viewer.pk] = Participant.objects.filter(
            conversation=conversation, member_id=viewer.pk, left_at__isnull=True
        ).first()
    return cache[viewer.pk]


@rule(Conversation, "view", decides_visibility=True)
def can_view(viewer: Any, conversation: Conversation) -> bool:
    return participant(viewer, conversation) is not None


@rule(Conversation, "write")
def can_write(viewer: Any, conversation: Conversation) -> bool:
    return can_view(viewer, conversation) and viewer.is_active
