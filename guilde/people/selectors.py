"""Who knows about a topic, as a viewer may see it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.db.models.functions import Lower

from guilde.accounts.models import Block, User
from guilde.communities.models import Community, Tag
from guilde.people.expertise import Expert, experts
from guilde.search.selectors import community_rights

LIMIT = 10


@dataclass
class Knower:
    """A member ranked for a topic, with the evidence behind the rank."""

    member: User
    expert: Expert
    topic_tags: list[Tag]

    def on_topic(self) -> list[tuple[Tag, int]]:
        """(tag, answers on it) for the topic's tags they answered on, most first."""
        found = [(tag, self.expert.on_topic[tag.pk]) for tag in self.topic_tags]
        return sorted(
            ((tag, n) for tag, n in found if n), key=lambda item: (-item[1], item[0].name)
        )


def topic_tags(text: str, communities: list[int]) -> list[Tag]:
    """The tags of ``communities`` that ``text`` names: a word of the text equal to a
    tag's short name or name, whatever the case."""
    words = {w for w in re.split(r"[^\w-]+", text.casefold()) if w}
    if not words:
        return []
    return list(
        Tag.objects.filter(community_id__in=communities)
        .annotate(folded=Lower("name"))
        .filter(Q(slug__in=words) | Q(folded__in=words))
        .order_by("name", "pk")
    )


def who_knows(
    *, viewer: Any, text: str, community: str = "", limit: int = LIMIT
) -> tuple[list[Tag], list[Knower]]:
    """The tags ``text`` names and the members who know most about them, from the
    evidence of the communities ``viewer`` reads (the one whose slug is ``community``
    only, when given): a private community's activity counts only for its readers. The
    viewer, the members they blocked and those who blocked them are left out."""
    readable = community_rights(viewer).readable
    if community:
        chosen = set(Community.objects.filter(slug=community[:60]).values_list("pk", flat=True))
        readable = [pk for pk in readable if pk in chosen]
    if not readable or not text.strip():
        return [], []
    tags = topic_tags(text, readable)
    if not tags:
        return [], []
    exclude: set[int] = set()
    if viewer.is_authenticated:
        exclude.add(viewer.pk)
        for blocker, blocked in Block.objects.filter(
            Q(blocker_id=viewer.pk) | Q(blocked_id=viewer.pk)
        ).values_list("blocker_id", "blocked_id"):
            exclude.update({blocker, blocked} - {viewer.pk})
    ranked = [
        e
        for e in experts(communities=readable, tags=[t.pk for t in tags], exclude=exclude)
        if any(e.on_topic.values())  # someone who never answered on the topic is no expert
    ][: limit * 2]
    members = User.objects.filter(
        pk__in=[e.member_id for e in ranked], deleted_at__isnull=True
    ).in_bulk()
    found = [Knower(members[e.member_id], e, tags) for e in ranked if e.member_id in members]
    return tags, found[:limit]
