"""The headers the configured middleware adds to an answer, for WSGI layers that answer beside
Django's request cycle (the create lane, the body layer's refusals).

Found by running that middleware once around a view answering an empty JSON object, for a request
like the one being answered, and cached by what the middleware's answer may depend on besides
settings (scheme and host). So HSTS, nosniff, X-Frame-Options and whatever middleware is
configured later are the same on those answers as on Django's.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpRequest, HttpResponse

from oms.core.http import JSON
from oms.core.ratelimit import DECISION
from oms.observe.context import PROBE

# What the middleware's answer may depend on, besides settings: the cache key.
_KEYS = (
    "wsgi.url_scheme",
    "HTTP_HOST",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "SERVER_NAME",
    "SERVER_PORT",
)
_CACHE_MAX = 256
_OWN_HEADERS = {"content-type", "content-length"}

Headers = list[tuple[str, str]]


class AddedHeaders:
    """`added(environ)`: the headers the middleware adds to a JSON answer of this request; None
    when it would answer something else itself (a refused host, an HTTPS redirect)."""

    def __init__(self) -> None:
        self._keys = _KEYS
        if settings.SECURE_PROXY_SSL_HEADER:  # is_secure() reads it: so do the added headers
            self._keys += (settings.SECURE_PROXY_SSL_HEADER[0],)
        self._cache: dict[tuple, Headers | None] = {}
        self._handler = _ProbeHandler()
        self._handler.load_middleware()  # here, before threads share it (gthread workers)

    def __call__(self, environ: dict) -> Headers | None:
        key = tuple(environ.get(name) for name in self._keys)
        if key in self._cache:
            return self._cache[key]
        if len(self._cache) >= _CACHE_MAX:
            return None  # hosts are client-sent: past the bound, unknown ones are not cached
        probe = {**environ, "wsgi.input": io.BytesIO(b""), "CONTENT_LENGTH": "0", "REQUEST_METHOD": "GET"}
        probe.pop(DECISION, None)  # a request's own rate limit headers must never be cached for others
        probe[PROBE] = True  # not a request: not logged or counted
        response = self._handler.get_response(WSGIRequest(probe))
        headers = None
        if response.status_code == _ProbeHandler.STATUS:
            headers = [(k, v) for k, v in response.items() if k.lower() not in _OWN_HEADERS]
        self._cache[key] = headers
        return headers


class _ProbeHandler(BaseHandler):
    """The configured middleware around a view answering an empty JSON object."""

    STATUS = 299  # not an answer any middleware gives itself

    def _get_response(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse(b"{}", status=self.STATUS, content_type=JSON)
