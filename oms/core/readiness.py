"""Is this process ready to take orders? What `/readyz` answers a load balancer polling it.

Ready means every write path could succeed now: the database answers, takes a write (a
standby, a read-only session or file, and a full SQLite file or disk all refuse one), and has
every migration on disk applied (a replica started before `oms migrate` would fail on new
columns). The check costs a few statements in one transaction that writes nothing, so polling it
every second is cheap; the migration graph is read from disk once per process.
"""

from __future__ import annotations

import enum
import functools
import logging
import os
import sqlite3
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.migrations.loader import MigrationLoader

log = logging.getLogger(__name__)


class NotReady(enum.StrEnum):
    """Why not: the only thing the answer says (no host, port or driver message)."""

    DATABASE_UNAVAILABLE = "database_unavailable"
    DATABASE_READ_ONLY = "database_read_only"
    DATABASE_FULL = "database_full"
    MIGRATIONS_PENDING = "migrations_pending"


class _Rollback(Exception):
    """Leaves the probe's transaction without committing its write."""


@functools.cache
def _expected_migrations() -> frozenset[tuple[str, str]]:
    # The graph's leaves: with a consistent history, all are applied only when every one is.
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes())


def check_readiness() -> NotReady | None:
    """None when ready; otherwise why not. The cause is logged, never answered."""
    if (full := _sqlite_full()) is not None:
        return full
    expected = _expected_migrations()
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                applied = _applied(cursor, expected)
                if expected - applied:
                    return NotReady.MIGRATIONS_PENDING
                # A write that changes nothing, rolled back: refused by a standby, a read-only
                # session or transaction, and a SQLite file opened read-only.
                cursor.execute(
                    "UPDATE django_migrations SET app = app WHERE id = (SELECT MIN(id) FROM django_migrations)"
                )
            raise _Rollback
    except _Rollback:
        return None
    except DatabaseError as error:
        reason = _reason(error)
        log.warning("not ready: %s (%s)", reason, error)
        return reason


def _applied(cursor, expected: frozenset[tuple[str, str]]) -> set[tuple[str, str]]:
    apps = sorted({app for app, _ in expected})
    marks = ", ".join(["%s"] * len(apps))
    cursor.execute(f"SELECT app, name FROM django_migrations WHERE app IN ({marks})", apps)
    return set(cursor.fetchall())


# The drivers' codes: PostgreSQL's SQLSTATE, SQLite's primary result code.
_REASONS = {
    "25006": NotReady.DATABASE_READ_ONLY,  # read_only_sql_transaction (a standby, a read-only session)
    "53100": NotReady.DATABASE_FULL,  # disk_full
    "42P01": NotReady.MIGRATIONS_PENDING,  # undefined_table: nothing migrated yet
    sqlite3.SQLITE_READONLY: NotReady.DATABASE_READ_ONLY,
    sqlite3.SQLITE_FULL: NotReady.DATABASE_FULL,
}


def _reason(error: DatabaseError) -> NotReady:
    cause = error.__cause__
    code = getattr(cause, "sqlstate", None) or getattr(cause, "sqlite_errorcode", -1) & 0xFF
    if "no such table: django_migrations" in str(error):
        return NotReady.MIGRATIONS_PENDING
    return _REASONS.get(code, NotReady.DATABASE_UNAVAILABLE)


def _sqlite_full() -> NotReady | None:
    """A SQLite file that cannot grow: its filesystem has less than OMS_READYZ_MIN_FREE_BYTES
    free, or it reached its `max_page_count` with no free page left. A rolled-back write would
    not see either: SQLite writes pages only at commit."""
    if connection.vendor != "sqlite":
        return None
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT * FROM pragma_page_count(), pragma_max_page_count(), pragma_freelist_count()"
            )
            pages, max_pages, free_pages = cursor.fetchone()
        if not connection.is_in_memory_db():
            directory = Path(connection.settings_dict["NAME"]).parent
            stat = os.statvfs(directory)
            if stat.f_bavail * stat.f_frsize < settings.OMS_READYZ_MIN_FREE_BYTES:
                log.warning("not ready: %s has %d bytes free", directory, stat.f_bavail * stat.f_frsize)
                return NotReady.DATABASE_FULL
    except (OSError, DatabaseError) as error:
        log.warning("not ready: %s", error)
        return NotReady.DATABASE_UNAVAILABLE
    if pages >= max_pages and free_pages == 0:
        log.warning("not ready: the SQLite file reached max_page_count (%d pages)", max_pages)
        return NotReady.DATABASE_FULL
    return None
