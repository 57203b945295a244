"""SQLite under concurrent writers: "database is locked" never reaches a client as a 500.

pytest-django's SQLite test database lives in memory, where threads share one cache and
table locks, so this runs a real gunicorn (2 processes x 4 threads) on a SQLite file, as
`make run` does. It needs no test database and runs once per `make test`, in the pass without
DATABASE_URL.
"""

import sqlite3
import sys
import threading
from collections import Counter, defaultdict
from pathlib import Path

from conftest import process_level

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))
from liveserver import Server, order_body, post_json, prepare, server_env

pytestmark = process_level("its own SQLite file")
PATH = "/api/v1/channel/1/create_orders/"
THREADS = 16
UNIQUE_PER_THREAD = 5


def test_concurrent_writers_on_a_sqlite_file_get_answers_never_database_is_locked(tmp_path):
    # Given oms under gunicorn with two worker processes on a SQLite file
    env = server_env(tmp_path, WEB_CONCURRENCY="2", GUNICORN_THREADS="4")
    token = prepare(env)
    answers: dict[str, list[tuple[int, bool]]] = defaultdict(list)  # (status, replayed)
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def client(n: int) -> None:
        start.wait()
        sent = [(f"LOCK-{n}-{i}", {}) for i in range(UNIQUE_PER_THREAD)]
        sent += [("SHARED-1", {}), ("SHARED-2", {"Idempotency-Key": "shared-2"})] * 2
        for number, headers in sent:
            status, _, got = post_json(server.port, PATH, order_body(number), token=token, headers=headers)
            with lock:
                answers[number].append((status, got.get("Idempotent-Replayed") == "true"))

    with Server(env, tmp_path / "gunicorn.log") as server:
        # When 16 threads post at once: 5 orders of their own each, then the same two orders twice
        threads = [threading.Thread(target=client, args=(n,)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    # Then no answer is a 5xx and the log has no "database is locked"
    statuses = Counter(status for got in answers.values() for status, _ in got)
    assert all(status < 500 for status in statuses), statuses
    assert "database is locked" not in (tmp_path / "gunicorn.log").read_text()
    # and every order of its own was created, each shared one exactly once
    assert all(
        answers[f"LOCK-{n}-{i}"] == [(201, False)] for n in range(THREADS) for i in range(UNIQUE_PER_THREAD)
    )
    # (a replay by number answers 200, a replay by Idempotency-Key the stored 201, both marked)
    assert sorted(answers["SHARED-1"]) == [(200, True)] * (2 * THREADS - 1) + [(201, False)]
    assert answers["SHARED-2"].count((201, False)) == 1
    assert set(answers["SHARED-2"]) <= {(201, False), (201, True), (409, False)}
    with sqlite3.connect(tmp_path / "oms.sqlite3") as db:
        stored = db.execute(
            "SELECT o.number, count(i.id) FROM orders_order o JOIN orders_orderitem i ON i.order_id = o.id "
            "WHERE o.number LIKE 'LOCK-%' OR o.number LIKE 'SHARED-%' GROUP BY o.id"
        ).fetchall()
    assert sorted(stored) == sorted((number, 3) for number in answers)
