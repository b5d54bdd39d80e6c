"""The IANA time zones this machine knows, read once: ``zoneinfo.available_timezones()``
walks the tz database's directory on every call (several milliseconds), and forms,
validators and the directory's time-zone filter ask on every request."""

from __future__ import annotations

import zoneinfo
from functools import cache


@cache
def known_zones() -> frozenset[str]:
    # "localtime" is the machine's own setting, a file beside the zones on some systems.
    return frozenset(zoneinfo.available_timezones() - {"localtime"})


@cache
def sorted_zones() -> tuple[str, ...]:
    return tuple(sorted(known_zones()))
