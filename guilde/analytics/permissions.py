"""Who sees analytics: a community's coordinators and the instance's administrators (its
metrics and stories say how members take part); the instance's, administrators only."""

from __future__ import annotations

from typing import Any

from guilde.communities.models import Community
from guilde.communities.permissions import can_manage, can_view
from guilde.core.permissions import rule


@rule(Community, "view_analytics")
def can_view_analytics(viewer: Any, community: Community) -> bool:
    return can_view(viewer, community) and can_manage(viewer, community)
