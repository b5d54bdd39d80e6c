"""Writes of analytics' own (stories have theirs in ``story_services``): asking the worker
for a community's snapshot now."""

from __future__ import annotations

from django.db import transaction

from guilde.accounts.models import User
from guilde.communities.models import Community
from guilde.core.permissions import require


def snapshot_request(*, actor: User, community: Community) -> None:
    """Queue ``community``'s snapshot for the worker, once the caller's transaction commits
    (a new community has none before the night): those who may see its analytics."""
    from guilde.analytics.tasks import take_snapshot

    require(actor, "view_analytics", community)
    transaction.on_commit(lambda: take_snapshot.enqueue(community.pk))
