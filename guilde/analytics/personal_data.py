"""What analytics holds about members (see guilde.accounts.rights): aggregates only."""

from __future__ import annotations

from guilde.accounts.rights import Handling, classify

classify(
    "analytics.Snapshot",
    Handling.NONE,
    "counts and measures of a community; the only member ids in them are brokers of the "
    "interaction network who agreed to be named (checked again when read)",
)
