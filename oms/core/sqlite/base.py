"""Django's SQLite backend, told SQLite's real bound-parameter limit, with writers queued in the
kernel instead of polling for SQLite's lock.

Django assumes 999 parameters per statement (SQLite before 3.32), so a 50-item order's
`bulk_create` would be split into several INSERTs; SQLite 3.32+ allows 32,766, which keeps an
order's items in one statement, as on PostgreSQL (and keeps the query count flat).

SQLite lets one writer in at a time; the others poll for its lock, sleeping 1, 2, 5... up to
100 ms between tries, so under load a writer could wait a second while the lock sat free (p99
0.6-1.2 s in `make bench`). Here every transaction (`BEGIN IMMEDIATE`: each one takes the write
lock) first takes an exclusive flock on a file next to the database, held until COMMIT or
ROLLBACK: waiting writers sleep in the kernel and the next one wakes as soon as the lock is
released, across threads and gunicorn processes alike. SQLite's own lock and busy timeout stay
underneath, for writes outside a transaction.
"""

import fcntl
import functools
import os
import sqlite3

from django.db.backends.sqlite3 import base, features

if sqlite3.sqlite_version_info < (3, 32):  # pragma: no cover - depends on the platform's SQLite
    raise RuntimeError(f"oms needs SQLite 3.32 or newer, found {sqlite3.sqlite_version}")


class DatabaseFeatures(features.DatabaseFeatures):
    max_query_params = 32766


# Django rewrites every statement's %s placeholders as ? with a regex, on every run: 5 % of a
# create's CPU, for its long INSERT statements. The application's statements are few and
# repeated; cached, each is rewritten once. Long ones (multi-row inserts of varying length) are
# left out, so the cache stays small (at most 1,024 x 16 KiB), as psycopg does on PostgreSQL.
_CACHED_QUERY_MAX_LENGTH = 16 * 1024


class SQLiteCursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query, *, param_names=None):
        if param_names is None and len(query) <= _CACHED_QUERY_MAX_LENGTH:
            return _qmark(query)
        return super().convert_query(query, param_names=param_names)


@functools.lru_cache(maxsize=1024)
def _qmark(query: str) -> str:
    return base.SQLiteCursorWrapper.convert_query(None, query)  # Django's own, which reads no state


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
    _write_lock_fd: int | None = None
    _write_lock_held = False

    def create_cursor(self, name=None):
        return self.connection.cursor(factory=SQLiteCursorWrapper)

    # Django has no public hook for "a transaction begins": this private method is where atomic()
    # sends BEGIN on SQLite (oms/core/tests/test_sqlite_django_api.py pins its name, signature
    # and that atomic() calls it). Committing, rolling back and closing use the public methods.
    def _start_transaction_under_autocommit(self):
        self._take_write_lock()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_write_lock()
            raise

    def commit(self):
        try:
            return super().commit()
        finally:
            self._release_write_lock_if_ended()

    def rollback(self):
        try:
            return super().rollback()
        finally:
            self._release_write_lock_if_ended()

    def close(self):
        try:
            return super().close()
        finally:
            self._release_write_lock()  # a closed connection's transaction is gone
            if self._write_lock_fd is not None and (self.connection is None or self.closed_in_transaction):
                os.close(self._write_lock_fd)
                self._write_lock_fd = None

    def _take_write_lock(self) -> None:
        if self._write_lock_held or self.is_in_memory_db():
            return
        if self._write_lock_fd is None:
            path = f"{self.settings_dict['NAME']}.writelock"
            self._write_lock_fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(self._write_lock_fd, fcntl.LOCK_EX)  # releases the GIL while it waits
        self._write_lock_held = True

    def _release_write_lock_if_ended(self) -> None:
        # Not when the transaction is still open: a commit refused inside atomic(), or a COMMIT
        # that failed (a rollback follows and releases it).
        if self.connection is None or not self.connection.in_transaction:
            self._release_write_lock()

    def _release_write_lock(self) -> None:
        if self._write_lock_held:
            self._write_lock_held = False
            fcntl.flock(self._write_lock_fd, fcntl.LOCK_UN)
