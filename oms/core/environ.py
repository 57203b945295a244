"""WSGI: a request's environ holds the request, not the server's process environment.

granian starts every WSGI environ from a copy of the process environment (PEP 3333 allows it), so
without this layer `request.META` held DATABASE_URL, DJANGO_SECRET_KEY and the rest, and a
variable named like a header (HTTP_X_REQUEST_ID, HTTP_PROXY: "httpoxy") read as if the client had
sent it. Here every key the process environment had at start is dropped again, unless the server
set it for this request (its value differs, or it is one of the request's own CGI keys). gunicorn
copies nothing: the check is one dict lookup there.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]

# Keys the server sets per request (PEP 3333), kept even when the process environment has them.
_REQUEST_KEYS = frozenset(
    {
        "REQUEST_METHOD",
        "SCRIPT_NAME",
        "PATH_INFO",
        "QUERY_STRING",
        "CONTENT_TYPE",
        "CONTENT_LENGTH",
        "SERVER_NAME",
        "SERVER_PORT",
        "SERVER_PROTOCOL",
        "REMOTE_ADDR",
        "REMOTE_PORT",
    }
)


class ProcessEnvironmentDropped:
    def __init__(self, app: WSGIApp, process: dict[str, str] | None = None):
        self.app = app
        process = dict(os.environ if process is None else process)
        self.process = tuple((key, value) for key, value in process.items() if key not in _REQUEST_KEYS)
        # A key every copy has (the settings module is set before the app is built).
        self.marker = next((key for key, _ in self.process if key == "DJANGO_SETTINGS_MODULE"), None)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if self.marker is not None and self.marker in environ:
            for key, value in self.process:
                # A header the client sent under the same name has its own value: kept.
                if environ.get(key) == value:
                    del environ[key]
        return self.app(environ, start_response)
