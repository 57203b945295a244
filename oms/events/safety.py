"""Outbound safety of webhook URLs: https only, and never an address inside our own network.

A URL is checked when it is subscribed and again before each delivery (its name may resolve
elsewhere since), and the delivery connects to the address that was checked, so a name cannot
pass the check and then resolve to a private address for the connection.
OMS_WEBHOOK_ALLOW_PRIVATE lifts both rules, for development and tests.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import SplitResult, urlsplit

from django.conf import settings


class UnsafeURL(ValueError):
    """A webhook URL we will not call; the message says why."""


def check_url(url: str) -> tuple[SplitResult, list[str]]:
    """The URL's parts and the addresses its host resolves to, every one of them public; raises
    UnsafeURL otherwise (a scheme other than https, no host, a name that does not resolve, a
    loopback, private, link-local, metadata or otherwise non-global address)."""
    parts = urlsplit(url)
    allow_private = settings.OMS_WEBHOOK_ALLOW_PRIVATE
    allowed = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in allowed:
        raise UnsafeURL("Expected an https URL.")
    if not parts.hostname:
        raise UnsafeURL("Expected a URL with a host.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeURL("Expected a valid port.") from None
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UnsafeURL(f"The host {parts.hostname} does not resolve.") from None
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    if not allow_private:
        for address in addresses:
            if not _public(address):
                raise UnsafeURL(
                    f"The host {parts.hostname} resolves to {address}, which is not a public address."
                )
    return parts, addresses


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        ip = mapped
    # is_global is false for loopback, private, link-local (169.254.169.254, the cloud metadata
    # address), shared (100.64/10, another metadata range), reserved and unspecified addresses.
    return ip.is_global and not ip.is_multicast
