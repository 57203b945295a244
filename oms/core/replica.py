"""Reads that tolerate lag, from the PostgreSQL standby (DATABASE_REPLICA_URL).

Only reads that can show a state some seconds old go there: the admin's list pages and index
(`LagTolerantAdminReads`), and whatever code wraps itself in `lag_tolerant_reads()` (exports,
the events feed's history). Everything else, the channel API above all, reads the primary:
clients read their own writes (channel-app looks an order up right after creating it). Logins
and sessions stay on the primary too: a session just written must be found on the next request.
When the standby cannot be reached, those reads go to the primary; it is asked again after
`RETRY_SECONDS`.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
import time
from collections.abc import Iterator

from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse

log = logging.getLogger(__name__)

REPLICA = "replica"
RETRY_SECONDS = 5.0
_tolerant = contextvars.ContextVar("lag_tolerant", default=False)
_down_until = 0.0
# The admin's index and list pages (not a change form: after a save it must show the save).
_ADMIN_LISTS = re.compile(r"^/admin/(?:[^/]+/[^/]+/)?$")


def replica_available() -> bool:
    """Whether the standby takes a connection now (checked at most every RETRY_SECONDS while down)."""
    global _down_until
    if REPLICA not in connections.settings or time.monotonic() < _down_until:
        return False
    try:
        connections[REPLICA].ensure_connection()
    except DatabaseError as error:
        _down_until = time.monotonic() + RETRY_SECONDS
        log.warning("standby unavailable, reading from the primary: %s", error)
        return False
    return True


@contextlib.contextmanager
def lag_tolerant_reads() -> Iterator[None]:
    """Reads of oms's own tables in this block may come from the standby, when it is up."""
    token = _tolerant.set(replica_available())
    try:
        yield
    finally:
        _tolerant.reset(token)


class ReplicaRouter:
    """DATABASE_ROUTERS entry: oms's own models read from the standby inside lag_tolerant_reads();
    every write, and every other read, on the primary."""

    def db_for_read(self, model, **hints) -> str | None:
        if _tolerant.get() and model.__module__.startswith("oms."):
            return REPLICA
        return None

    def db_for_write(self, model, **hints) -> str:
        return "default"

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # one database and its copy

    def allow_migrate(self, db, app_label, **hints) -> bool:
        return db == "default"


class LagTolerantAdminReads:
    """Middleware: the admin's GET list pages read through lag_tolerant_reads()."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "GET" or not _ADMIN_LISTS.match(request.path_info):
            return self.get_response(request)
        with lag_tolerant_reads():
            return self.get_response(request)
