"""Forwarded headers believed only from the proxies we run (OMS_TRUSTED_PROXIES).

Behind nginx every request comes from the proxy's address, and the client's address and scheme
travel in X-Forwarded-For and X-Forwarded-Proto. Anyone can send those headers, so they are
believed only from a trusted proxy: from it, the client's address (the nearest untrusted one in
X-Forwarded-For) becomes REMOTE_ADDR, which the login throttle counts by, and X-Forwarded-Proto
is kept for SECURE_PROXY_SSL_HEADER; from any other peer both headers are dropped before the
lanes or Django see them. A request from a trusted proxy is marked (FROM_PROXY): our nginx has
read its body whole before passing it on (deploy/nginx/oms.conf), so the body layer need not
guard against it stalling.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable

_FORWARDED = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO")
FROM_PROXY = "oms.from_proxy"


class TrustedProxies:
    """The outermost WSGI layer when OMS_TRUSTED_PROXIES is set."""

    def __init__(self, app: Callable, trusted: Iterable[str]):
        self.app = app
        self.networks = [ipaddress.ip_network(entry, strict=False) for entry in trusted]

    def __call__(self, environ: dict, start_response: Callable):
        if self._trusted(environ.get("REMOTE_ADDR", "")):
            environ[FROM_PROXY] = True
            client = self._client(environ.get("HTTP_X_FORWARDED_FOR", ""))
            if client is not None:
                environ["REMOTE_ADDR"] = client
        else:
            for name in _FORWARDED:
                environ.pop(name, None)
        return self.app(environ, start_response)

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def _client(self, forwarded_for: str) -> str | None:
        """The rightmost address that is not one of our proxies: the ones left of it were written
        by the client and prove nothing."""
        for hop in reversed(forwarded_for.split(",")):
            hop = hop.strip()
            try:
                ipaddress.ip_address(hop)
            except ValueError:
                return None  # a garbled chain: keep the proxy's address
            if not self._trusted(hop):
                return hop
        return None
