"""WSGI: request bodies sent with `Transfer-Encoding: chunked` are read like any other.

Django reads a body only as far as CONTENT_LENGTH says, and a chunked request has none: its
body was read as empty, so an order sent by an HTTP client that streams its body got "not valid
JSON". gunicorn decodes the chunks; here the body is read whole, up to the largest body any
endpoint takes (one byte more, so an endpoint's own limit still answers 413), and handed on with
its length.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


class ChunkedBodies:
    def __init__(self, app: WSGIApp, *, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if (
            not environ.get("CONTENT_LENGTH")
            and "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        ):
            body = environ["wsgi.input"].read(self.max_bytes + 1)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        return self.app(environ, start_response)
