"""Who may see which profile field.

Each member chooses, field by field, among "everyone", "members of my communities" and
"only me". The communities app tells which members share a community with a viewer by
registering a resolver (accounts cannot import communities). Reads go through
:class:`VisibilityContext` (Python side) or :func:`visible_q` (SQL side, for filters),
which apply the same rule.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from guilde.accounts.models import VISIBLE_FIELDS, User, Visibility

Viewer = User | AnonymousUser
# resolver(viewer, among) -> a queryset of the ids of members who share a community with
# viewer (only those in ``among``, when given: a short list is answered from it)
SharedMembersResolver = Callable[[User, "Collection[int] | None"], "QuerySet[Any, int]"]
_resolvers: list[SharedMembersResolver] = []


def register_shared_members_resolver(resolver: SharedMembersResolver) -> None:
    if resolver not in _resolvers:
        _resolvers.append(resolver)


def shared_member_ids_query(viewer: Viewer) -> Q:
    """A condition on members: they share at least one community with ``viewer``."""
    if not viewer.is_authenticated or not _resolvers:
        return Q(pk__in=[])
    condition = Q(pk__in=[])
    for resolver in _resolvers:
        condition |= Q(pk__in=resolver(viewer, None))
    return condition


def shared_member_ids(viewer: Viewer, owner_ids: set[int]) -> set[int]:
    """Which of ``owner_ids`` share a community with ``viewer`` (one query)."""
    if not owner_ids or not viewer.is_authenticated or not _resolvers:
        return set()
    found: set[int] = set()
    for resolver in _resolvers:
        found.update(resolver(viewer, owner_ids))
    return found


def _level_q(field_name: str, level: Visibility) -> Q:
    exact = Q(**{f"field_visibility__{field_name}": level.value})
    if VISIBLE_FIELDS[field_name] == level:
        return exact | ~Q(field_visibility__has_key=field_name)
    return exact


def visible_q(viewer: Viewer, field_name: str) -> Q:
    """Members whose ``field_name`` ``viewer`` may see, as a queryset condition."""
    condition = _level_q(field_name, Visibility.EVERYONE)
    if viewer.is_authenticated:
        condition |= _level_q(field_name, Visibility.COMMUNITIES) & shared_member_ids_query(viewer)
        condition |= Q(pk=viewer.pk)
    return condition


@dataclass
class VisibilityContext:
    """What one viewer may see of a set of members, computed once for a page."""

    viewer: Viewer
    shared: set[int] = field(default_factory=set)

    @classmethod
    def for_members(cls, viewer: Viewer, members: list[User]) -> VisibilityContext:
        return cls(viewer=viewer, shared=shared_member_ids(viewer, {m.pk for m in members}))

    def can_see(self, owner: User, field_name: str) -> bool:
        if self.viewer.is_authenticated and self.viewer.pk == owner.pk:
            return True
        level = owner.visibility_of(field_name)
        if level == Visibility.EVERYONE:
            return True
        if level == Visibility.COMMUNITIES:
            return self.viewer.is_authenticated and owner.pk in self.shared
        return False
