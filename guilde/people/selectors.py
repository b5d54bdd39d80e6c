"""Who knows about a topic, as a viewer may see it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.db.models.functions import Lower
from django.http import Http404

from guilde.accounts.models import User
from guilde.communities.models import Community, Tag
from guilde.discussions.models import Post, Thread
from guilde.people import evidence
from guilde.people.directory import blocked_either_way
from guilde.people.expertise import Expert, experts_on
from guilde.people.models import HiddenTopic, PeoplePreferences
from guilde.search.selectors import SearchParams, community_rights, search

LIMIT = 10
QUESTIONS_FOUND = 50


@dataclass
class Knower:
    """A member ranked for a topic, with the evidence behind the rank."""

    member: User
    expert: Expert
    topic_tags: list[Tag]

    def on_topic(self) -> list[tuple[Tag, int]]:
        """(tag, answers on it) for the topic's tags they answered on, most first."""
        return self._counted(self.expert.on_topic)

    def articles_on_topic(self) -> list[tuple[Tag, int]]:
        return self._counted(self.expert.articles_on_topic)

    def events_on_topic(self) -> list[tuple[Tag, int]]:
        return self._counted(self.expert.events_on_topic)

    def mentored_on_topic(self) -> list[tuple[Tag, int]]:
        return self._counted(self.expert.mentored_on_topic)

    def _counted(self, counts: Any) -> list[tuple[Tag, int]]:
        found = [(tag, counts[tag.pk]) for tag in self.topic_tags]
        return sorted(
            ((tag, n) for tag, n in found if n), key=lambda item: (-item[1], item[0].name)
        )


def member_named(username: str) -> User:
    """A member who can sign in, by username, or a 404."""
    found = User.objects.real().filter(username=username).first()
    if found is None:
        raise Http404
    return found


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


def not_suggested(viewer: Any, topic: list[Tag]) -> set[int]:
    """Members never suggested to ``viewer`` for ``topic``: the viewer, members blocked
    either way, members who opted out of suggestions or hid one of the topic's tags."""
    left_out = blocked_either_way(viewer)
    if viewer.is_authenticated:
        left_out.add(viewer.pk)
    left_out.update(
        PeoplePreferences.objects.filter(suggest=False).values_list("member_id", flat=True)
    )
    left_out.update(
        HiddenTopic.objects.filter(slug__in={tag.slug for tag in topic}).values_list(
            "member_id", flat=True
        )
    )
    return left_out


def knowers(
    *,
    viewer: Any,
    tags: list[Tag],
    exclude: Iterable[int] = (),
    limit: int = LIMIT,
) -> list[Knower]:
    """Members ranked on ``tags`` from the stored evidence of the tags' communities,
    without those :func:`not_suggested` leaves out nor ``exclude``; deleted and
    placeholder accounts are not suggested."""
    if not tags:
        return []
    left_out = not_suggested(viewer, tags) | set(exclude)
    ranked = [
        e
        for e in evidence.ranked(
            communities=sorted({tag.community_id for tag in tags}),
            tags=[t.pk for t in tags],
            exclude=left_out,
            limit=limit * 2,
        )
        if e.topical
    ][: limit * 2]
    members = User.objects.real().filter(pk__in=[e.member_id for e in ranked]).in_bulk()
    found = [Knower(members[e.member_id], e, tags) for e in ranked if e.member_id in members]
    return found[:limit]


def who_knows(
    *, viewer: Any, text: str, community: str = "", limit: int = LIMIT
) -> tuple[list[Tag], list[Knower]]:
    """The tags ``text`` names and the members who know most about them, from the
    evidence of the communities ``viewer`` reads (the one whose slug is ``community``
    only, when given): a private community's activity counts only for its readers."""
    readable = community_rights(viewer).readable
    if community:
        chosen = set(Community.objects.filter(slug=community[:60]).values_list("pk", flat=True))
        readable = [pk for pk in readable if pk in chosen]
    if not readable or not text.strip():
        return [], []
    tags = topic_tags(text, readable)
    if tags:
        return tags, knowers(viewer=viewer, tags=tags, limit=limit)
    return [], knowers_of_questions(viewer=viewer, text=text, community=community, limit=limit)


def knowers_of_questions(
    *, viewer: Any, text: str, community: str = "", limit: int = LIMIT
) -> list[Knower]:
    """A topic no tag names: the members who answered the questions a search for ``text``
    finds among those ``viewer`` may read (the best ``QUESTIONS_FOUND``)."""
    page = search(
        viewer=viewer,
        params=SearchParams(q=text, type="question", community=community, mode="keyword"),
        per_page=QUESTIONS_FOUND,
        facets=False,
    )
    threads = [int(r.key) for r in page.results if r.kind == "thread"]
    if not threads:
        return []
    left_out = not_suggested(viewer, [])
    ranked = experts_on(threads=threads, exclude=left_out)[: limit * 2]
    members = User.objects.real().filter(pk__in=[e.member_id for e in ranked]).in_bulk()
    return [Knower(members[e.member_id], e, []) for e in ranked if e.member_id in members][:limit]


def could_answer(*, viewer: Any, thread: Thread, limit: int = 5) -> list[Knower]:
    """For an open question ``viewer`` reads: who could answer it, from the evidence on
    its tags in its community; its asker and those who already replied are left out."""
    if not thread.is_question or thread.is_solved:
        return []
    tags = list(thread.tags.all())
    replied = set(
        Post.objects.filter(thread=thread, author__isnull=False).values_list("author_id", flat=True)
    )
    if thread.author_id:
        replied.add(thread.author_id)
    return knowers(viewer=viewer, tags=tags, exclude=replied, limit=limit)
