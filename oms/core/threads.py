"""WSGI: a request thread's database connections are closed when the thread ends.

Django keeps one connection per thread and closes it only from that thread, at the start or end
of a request past CONN_MAX_AGE. granian retires a blocking thread idle for 30 s and starts another
on the next burst: the retired thread's connections stayed open (3 more PostgreSQL sessions per
idle spell of one 4-thread process, measured) until a garbage collection happened to reach them.
Behind PgBouncer or a max_connections of 100, that is a leak. gunicorn's threads never end, so
this changes nothing there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from django.db import connections

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


class _ClosedAtThreadExit:
    """Held in a thread-local: dropped, and so finalised, when its thread ends."""

    def __init__(self):
        # The thread's own connection wrappers (made on first access, without connecting).
        self.wrappers = [connections[alias] for alias in connections]

    def __del__(self):
        for wrapper in self.wrappers:
            if wrapper.connection is not None:
                # The driver's own close: Django's refuses a thread other than the owner's, and
                # this may run wherever the interpreter drops the thread's locals.
                wrapper.connection.close()


class ConnectionsClosedAtThreadExit:
    def __init__(self, app: WSGIApp):
        self.app = app
        self.local = threading.local()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if not hasattr(self.local, "closer"):
            self.local.closer = _ClosedAtThreadExit()
        return self.app(environ, start_response)
