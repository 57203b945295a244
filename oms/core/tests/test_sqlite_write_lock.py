"""SQLite writers queue on a file lock next to the database instead of polling SQLite's lock."""

import fcntl
import os
import threading
import time

import pytest
from django.db import connection

from oms.core.sqlite.base import DatabaseWrapper

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's backend only")


@pytest.fixture
def two_connections(tmp_path, db):  # `db` lets these connections open too
    settings = {**connection.settings_dict, "NAME": str(tmp_path / "oms.sqlite3")}
    first, second = (
        DatabaseWrapper(dict(settings), alias="first"),
        DatabaseWrapper(dict(settings), alias="second"),
    )
    with first.cursor() as cursor:
        cursor.execute("CREATE TABLE t (n integer)")
    second.inc_thread_sharing()  # used from a thread of the test
    yield first, second
    first.close()
    second.close()
    second.dec_thread_sharing()


def test_a_second_writer_waits_for_the_first_to_commit_then_writes(two_connections):
    first, second = two_connections
    events = []
    # Given a first connection inside a write transaction
    first.set_autocommit(False)
    first._start_transaction_under_autocommit()
    with first.cursor() as cursor:
        cursor.execute("INSERT INTO t VALUES (1)")

    def second_writer():
        second.ensure_connection()
        second._start_transaction_under_autocommit()  # waits on the file lock
        events.append("second began")
        with second.cursor() as cursor:
            cursor.execute("INSERT INTO t VALUES (2)")
        second.commit()

    # When a second connection starts a transaction
    thread = threading.Thread(target=second_writer)
    thread.start()
    time.sleep(0.3)
    events.append("first commits")
    first.commit()
    first.set_autocommit(True)
    thread.join(timeout=10)
    # Then it began only after the first committed, and both rows are there
    assert events == ["first commits", "second began"]
    with first.cursor() as cursor:
        cursor.execute("SELECT n FROM t ORDER BY n")
        assert cursor.fetchall() == [(1,), (2,)]


@pytest.mark.parametrize("end", ["commit", "rollback", "close"])
def test_the_file_lock_is_held_for_the_transaction_only(two_connections, tmp_path, end):
    first, _ = two_connections
    lock_file = os.open(tmp_path / "oms.sqlite3.writelock", os.O_RDWR | os.O_CREAT)
    try:
        # Given a connection inside a write transaction
        first.ensure_connection()
        first._start_transaction_under_autocommit()
        # Then another writer cannot take the file lock (it would sleep in the kernel)
        with pytest.raises(BlockingIOError):
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        # And once the transaction ends, it can
        getattr(first, end)()
        fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(lock_file, fcntl.LOCK_UN)
    finally:
        os.close(lock_file)
