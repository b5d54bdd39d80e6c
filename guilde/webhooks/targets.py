"""Where a webhook may send: http and https only, and — unless the instance allows it with
``GUILDE_WEBHOOKS_ALLOW_PRIVATE`` — never to loopback, private, link-local or other
non-public addresses.

An address is checked twice. When a webhook is saved (:func:`validate_url`): the scheme, a
host, no credentials, and an address written as numbers or a name that is obviously local.
When each request leaves (:func:`guarded_connection`): the host name is resolved and every
address it resolves to is checked before connecting, and the connection is made to the
address that was checked — so a name that resolves to a private address later (DNS
rebinding) is refused too.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import SplitResult, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ALLOWED_SCHEMES = ("http", "https")
# Names that are local whatever the resolver says.
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")
MAX_URL_LENGTH = 2000


class RefusedAddress(OSError):
    """The target resolves only to addresses webhooks may not reach."""


def private_allowed() -> bool:
    return bool(settings.GUILDE_WEBHOOKS_ALLOW_PRIVATE)


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """A globally routable unicast address (an IPv4-mapped IPv6 address as its IPv4)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _split(url: str) -> SplitResult:
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port that is not a number or out of range
    except ValueError as error:
        raise ValidationError(_("This is not a valid address.")) from error
    if port == 0:
        raise ValidationError(_("This is not a valid address."))
    return parts


def validate_url(url: str) -> str:
    """The address, stripped, if a webhook may send to it; else a ValidationError."""
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH or any(c.isspace() or ord(c) < 32 for c in url):
        raise ValidationError(_("This is not a valid address."))
    parts = _split(url)
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise ValidationError(_("Only http:// and https:// addresses can receive webhooks."))
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise ValidationError(_("The address needs a host name."))
    if parts.username is not None or parts.password is not None:
        raise ValidationError(
            _("Put no name or password in the address: the signature proves who sends.")
        )
    if not private_allowed() and _obviously_local(host):
        raise ValidationError(
            _("This address is on a local or private network, where webhooks may not go.")
        )
    return url


def _obviously_local(host: str) -> bool:
    try:
        return not is_public(ipaddress.ip_address(host))
    except ValueError:
        lowered = host.lower()
        return lowered == "localhost" or lowered.endswith(LOCAL_SUFFIXES) or "." not in lowered


def guarded_connection(*, allow_private: bool) -> Callable[..., socket.socket]:
    """A replacement for ``socket.create_connection`` that connects only to addresses a
    webhook may reach (what ``http.client`` calls to open its socket)."""

    def create_connection(
        address: tuple[str, int], timeout: Any = None, source_address: Any = None, *args: Any
    ) -> socket.socket:
        host, port = address
        last_error: OSError | None = None
        for family, kind, proto, _name, sockaddr in socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM
        ):
            ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            if not allow_private and not is_public(ip):
                last_error = RefusedAddress(
                    f"{host} resolves to {ip}, a local or private address: refused"
                )
                continue
            sock = socket.socket(family, kind, proto)
            try:
                if timeout is not None:
                    sock.settimeout(timeout)
                if source_address:
                    sock.bind(source_address)
                sock.connect(sockaddr)
            except OSError as error:
                sock.close()
                last_error = error
                continue
            return sock
        raise last_error or OSError(f"{host} has no address")

    return create_connection
