"""What importers hold about members: nothing personal (see guilde.accounts.rights)."""

from __future__ import annotations

from guilde.accounts.rights import Handling, classify

classify(
    "importers.ImportedObject",
    Handling.NONE,
    "which local object came from which source id (the objects carry their own data)",
)
