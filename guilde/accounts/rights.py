"""The registry of members' rights: what each model holds, how it is exported and erased.

Every model of the project — Guilde's and third parties' — is classified in an app's
``personal_data`` module (found automatically), with :func:`classify`. A test
walks ``apps.get_models()`` and fails on any model nobody classified, so a new model cannot
be forgotten by the account-deletion service or the data export.

Handlings:

- ``NONE`` — holds no personal data (vocabularies, plumbing).
- ``OWNED`` — rows that belong to the member and describe them (profile parts, tokens,
  e-mail addresses): deleted with the account, whatever the choice, and exported.
- ``CONTRIBUTION`` — what the member gave to a community (posts, articles...): exported;
  kept under "deleted member" or erased, as the member chooses.
- ``CUSTOM`` — a handler registered with :func:`on_account_deletion` decides.

Apps add their own steps with :func:`on_account_deletion` (called inside the deletion's
transaction, before the account itself is anonymised or deleted) and their part of the
export with :func:`exporter`.
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps

if TYPE_CHECKING:
    from guilde.accounts.models import User


class Handling(enum.Enum):
    NONE = "none"
    OWNED = "owned"
    CONTRIBUTION = "contribution"
    CUSTOM = "custom"


@dataclass(frozen=True)
class Classification:
    label: str
    handling: Handling
    note: str
    # The part of the data export that lists this model's rows of a member (by "id"),
    # and the field that links a row to its member (default: the one foreign key to members).
    export_part: str = ""
    owner_field: str = ""


@dataclass(frozen=True)
class DeletionContext:
    member: User
    keep_contributions: bool
    # Values that identify the member (e-mail addresses, usernames), for purging copies
    # in places that are not linked to the account (queued mails, logs).
    identifiers: tuple[str, ...]


DeletionHandler = Callable[[DeletionContext], None]
Exporter = Callable[["User"], Any]
FileCollector = Callable[["User"], list[tuple[str, Any]]]

_classifications: dict[str, Classification] = {}
_deletion_handlers: list[tuple[int, str, DeletionHandler]] = []
_exporters: dict[str, Exporter] = {}
_file_collectors: list[FileCollector] = []
_discovered = False


def classify(
    label: str, handling: Handling, note: str, *, export_part: str = "", owner_field: str = ""
) -> None:
    """Say what model ``label`` (``app_label.ModelName``) holds and how it is handled.

    ``OWNED`` and ``CONTRIBUTION`` models name the ``export_part`` that carries them.
    """
    if handling in (Handling.OWNED, Handling.CONTRIBUTION) and not export_part:
        raise ValueError(f"{label}: a member's rows must be in the data export")
    _classifications[label] = Classification(
        label=label,
        handling=handling,
        note=note,
        export_part=export_part,
        owner_field=owner_field,
    )


def on_account_deletion(*, order: int = 100) -> Callable[[DeletionHandler], DeletionHandler]:
    """Register a step of account deletion; lower ``order`` runs first."""

    def register(handler: DeletionHandler) -> DeletionHandler:
        key = f"{handler.__module__}.{handler.__qualname__}"
        if all(existing != key for _o, existing, _h in _deletion_handlers):
            _deletion_handlers.append((order, key, handler))
            _deletion_handlers.sort(key=lambda item: (item[0], item[1]))
        return handler

    return register


def exporter(name: str) -> Callable[[Exporter], Exporter]:
    """Register the part ``name`` of a member's data export (a JSON-serialisable value)."""

    def register(func: Exporter) -> Exporter:
        _exporters[name] = func
        return func

    return register


def file_collector(func: FileCollector) -> FileCollector:
    """Register a function listing (path in the archive, stored file) of a member's files."""
    if func not in _file_collectors:
        _file_collectors.append(func)
    return func


def discover() -> None:
    """Import every app's ``personal_data`` module once."""
    global _discovered
    if _discovered:
        return
    for config in apps.get_app_configs():
        try:
            importlib.import_module(f"{config.name}.personal_data")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.personal_data":
                raise
    _discovered = True


def classifications() -> dict[str, Classification]:
    discover()
    return dict(_classifications)


def deletion_handlers() -> list[DeletionHandler]:
    discover()
    return [handler for _order, _key, handler in _deletion_handlers]


def exporters() -> dict[str, Exporter]:
    discover()
    return dict(_exporters)


def file_collectors() -> list[FileCollector]:
    discover()
    return list(_file_collectors)
