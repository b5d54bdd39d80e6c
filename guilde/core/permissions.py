"""The permission framework: "can VIEWER do ACTION on OBJECT", answered in one place.

Each app registers its rules for its own models::

    @rule(Community, "view")
    def view_community(viewer, community) -> bool: ...

Pages, the API and selectors ask :func:`can` (or :func:`require`, which raises the right
error). A rule receives the viewer (a member or ``AnonymousUser``) and the object; rules
that need the viewer's membership read it through a per-request cache that the app
provides, so asking several questions about one object costs one query.

:func:`require` raises ``Http404`` when the viewer may not *read* the object — its model's
visibility action (``view``) fails: what is private does not exist for those outside it —
and ``PermissionDenied`` when they may read it but not do the action.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import Http404

Rule = Callable[[Any, Any], bool]
M = TypeVar("M")

_rules: dict[tuple[type, str], Rule] = {}
# For each model, the action that decides whether its objects are visible at all.
_visibility_actions: dict[type, str] = {}


def rule(model: type, action: str, *, decides_visibility: bool = False) -> Callable[[Rule], Rule]:
    """Register the rule for ``action`` on objects of ``model``."""

    def register(func: Rule) -> Rule:
        key = (model, action)
        if key in _rules and _rules[key] is not func:
            raise ValueError(f"a rule for {model.__name__}.{action} is already registered")
        _rules[key] = func
        if decides_visibility:
            _visibility_actions[model] = action
        return func

    return register


def _find(model: type, action: str) -> Rule:
    for klass in model.__mro__:
        if (klass, action) in _rules:
            return _rules[(klass, action)]
    raise LookupError(f"no rule for {model.__name__}.{action}")


def can(viewer: Any, action: str, obj: Any) -> bool:
    """Whether ``viewer`` may do ``action`` on ``obj``; unknown actions are refused loudly."""
    return bool(_find(type(obj), action)(viewer, obj))


def require(viewer: Any, action: str, obj: Any) -> None:
    """Return if allowed; otherwise 404 for what the viewer may not read, else 403."""
    if can(viewer, action, obj):
        return
    visibility_action = next(
        (_visibility_actions[klass] for klass in type(obj).__mro__ if klass in _visibility_actions),
        None,
    )
    if visibility_action is None or not can(viewer, visibility_action, obj):
        raise Http404
    raise PermissionDenied


def actions_for(model: type) -> list[str]:
    return sorted(action for (klass, action) in _rules if klass is model)
