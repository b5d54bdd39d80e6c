"""Who follows a community's onboarding and who runs it.

=================  ================================================================
action             allowed to
=================  ================================================================
onboard            (on a community) have a checklist and a buddy: its active members,
                   while the community is active
manage_onboarding  (on a community) change the welcome, the starter path, the
                   introductions thread and buddies, and see the newcomers' progress:
                   those who manage the community (coordinators, administrators)
=================  ================================================================

The welcome page itself is read by whoever may view the community (the "view" rule).
"""

from __future__ import annotations

from typing import Any

from guilde.communities.models import Community
from guilde.communities.permissions import active_role, can_manage
from guilde.core.permissions import rule


@rule(Community, "onboard")
def can_onboard(viewer: Any, community: Community) -> bool:
    if community.status != Community.Status.ACTIVE:
        return False
    return active_role(viewer, community) is not None


@rule(Community, "manage_onboarding")
def can_manage_onboarding(viewer: Any, community: Community) -> bool:
    return can_manage(viewer, community)
