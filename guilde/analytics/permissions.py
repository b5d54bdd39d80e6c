"""Who sees analytics: a community's coordinators and the instance's administrators (its
metrics and stories say how members take part); the instance's, administrators only."""

from __future__ import annotations

from typing import Any

from guilde.analytics.models import Story, StoryPrompt
from guilde.communities.models import Community
from guilde.communities.permissions import can_manage, can_post, can_view
from guilde.core.permissions import rule


@rule(Community, "view_analytics")
def can_view_analytics(viewer: Any, community: Community) -> bool:
    return can_view(viewer, community) and can_manage(viewer, community)


# Value-creation stories ----------------------------------------------------------------------
# view (story)    its author, and those who may view the community's analytics
# edit            its author (and delete)
# write_story     (on a community) members who may post in it
# view (prompt)   the member it asks (and dismiss)


def _is_author(viewer: Any, story: Story) -> bool:
    return bool(viewer is not None and viewer.is_authenticated and story.author_id == viewer.pk)


@rule(Story, "view", decides_visibility=True)
def can_view_story(viewer: Any, story: Story) -> bool:
    return _is_author(viewer, story) or can_view_analytics(viewer, story.community)


@rule(Story, "edit")
def can_edit_story(viewer: Any, story: Story) -> bool:
    return _is_author(viewer, story)


@rule(Community, "write_story")
def can_write_story(viewer: Any, community: Community) -> bool:
    return can_post(viewer, community)


@rule(StoryPrompt, "view", decides_visibility=True)
def can_view_prompt(viewer: Any, prompt: StoryPrompt) -> bool:
    return bool(viewer is not None and viewer.is_authenticated and prompt.member_id == viewer.pk)
