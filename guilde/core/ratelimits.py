"""The instance's rate-limit policy, in one place.

Every limited action names its limits here: one for identified traffic (a member's session
or personal token, counted per member or token) and one for anonymous traffic (counted per
client address). allauth's account actions take their limits from the same table.

The numbers are chosen so that a person never meets them and a script does:

=====================  =====================  =========================================
action                 identified             anonymous (per address)
=====================  =====================  =========================================
api_read               600 per minute         120 per minute
api_write              120 per minute         30 per minute
page_write             60 per minute          20 per minute
search (page, similar) 120 per minute         60 per minute
flag                   20 per hour            --
login (allauth)        --                     30 per minute; failed: 10 per minute per
                                              address and 5 per 5 minutes per account
signup (allauth)       --                     20 per minute
reset_password         --                     20 per minute, 5 per minute per e-mail
confirm_email          --                     1 per 3 minutes per e-mail
=====================  =====================  =========================================

``GUILDE_RATE_LIMITS=bench`` multiplies every amount by 1000: benchmarks and API fuzzing
exercise the same code paths without being stopped.

This module imports nothing from Django at import time: the settings read it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from django.http import HttpRequest

Per = Literal["user", "ip", "key"]
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    amount: int
    seconds: int
    per: Per

    def allauth_format(self) -> str:
        return f"{self.amount}/{self.seconds}s/{self.per}"


def rate(text: str) -> Rate:
    """Parse ``"10/5m/ip"`` (amount / window / what is counted)."""
    amount, window, per = text.split("/")
    unit = window[-1]
    count = int(window[:-1] or 1)
    if per not in ("user", "ip", "key"):
        raise ValueError(f"unknown rate subject: {per}")
    return Rate(amount=int(amount), seconds=count * _UNIT_SECONDS[unit], per=per)  # type: ignore[arg-type]


# Actions that allauth limits itself (its names), and Guilde's own.
_DEFAULT_POLICY: dict[str, tuple[str, ...]] = {
    "api_read": ("600/m/user", "120/m/ip"),
    "api_write": ("120/m/user", "30/m/ip"),
    "page_write": ("60/m/user", "20/m/ip"),
    "search": ("120/m/user", "60/m/ip"),
    "flag": ("20/h/user", "20/h/ip"),
    "login": ("30/m/ip",),
    "login_failed": ("10/m/ip", "5/5m/key"),
    "signup": ("20/m/ip",),
    "confirm_email": ("1/3m/key",),
    "reset_password": ("20/m/ip", "5/m/key"),
    "reset_password_from_key": ("20/m/ip",),
    "change_password": ("5/m/user",),
    "manage_email": ("10/m/user",),
    "reauthenticate": ("10/m/user",),
}
ALLAUTH_ACTIONS = frozenset(
    {
        "login",
        "login_failed",
        "signup",
        "confirm_email",
        "reset_password",
        "reset_password_from_key",
        "change_password",
        "manage_email",
        "reauthenticate",
    }
)
BENCH_FACTOR = 1000

Policy = dict[str, tuple[Rate, ...]]


def policy(mode: str) -> Policy:
    """The limits for ``mode``: ``default`` or ``bench``."""
    if mode not in ("default", "bench"):
        raise ValueError(f"GUILDE_RATE_LIMITS must be 'default' or 'bench', not {mode!r}")
    factor = BENCH_FACTOR if mode == "bench" else 1
    return {
        action: tuple(replace(rate(text), amount=rate(text).amount * factor) for text in rates)
        for action, rates in _DEFAULT_POLICY.items()
    }


def allauth_rate_limits(limits: Policy) -> dict[str, str]:
    """allauth's ``ACCOUNT_RATE_LIMITS`` built from the policy."""
    return {
        action: ",".join(r.allauth_format() for r in rates)
        for action, rates in limits.items()
        if action in ALLAUTH_ACTIONS
    }


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0


def client_address(request: HttpRequest) -> str:
    from django.conf import settings

    proxies: int = settings.NINJA_NUM_PROXIES
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        return hops[-min(proxies, len(hops))]
    return str(request.META.get("REMOTE_ADDR", ""))


def identity(request: HttpRequest) -> tuple[Per, str]:
    """Who a request counts against: its token, else its member, else its address."""
    token_id = getattr(request, "guilde_token_id", None)
    if token_id is not None:
        return "user", f"token:{token_id}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return "user", f"user:{user.pk}"
    return "ip", f"ip:{client_address(request)}"


def consume(request: HttpRequest, action: str) -> Verdict:
    """Count one ``action`` by the request's identity; say whether it may go ahead.

    Fixed windows counted in the cache (atomic increments in Redis; per machine with the
    file cache). When the cache cannot answer, the request goes ahead: rate limiting must
    never take the site down.
    """
    from django.conf import settings
    from django.core.cache import cache

    per, ident = identity(request)
    rates = [r for r in settings.RATE_LIMITS.get(action, ()) if r.per == per]
    now = time.time()
    for r in rates:
        window = math.floor(now / r.seconds)
        key = f"rl:{action}:{r.seconds}:{ident}:{window}"
        try:
            cache.add(key, 0, timeout=r.seconds + 1)
            count = cache.incr(key)
        except ValueError:
            continue  # the key expired between add and incr: a new window has begun
        if count > r.amount:
            return Verdict(
                allowed=False, retry_after=max(1, math.ceil((window + 1) * r.seconds - now))
            )
    return Verdict(allowed=True)
