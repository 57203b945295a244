"""The benchmark's SQLite side: a temp database file, its baseline and its fill.

SQLite runs inside the application's processes, so its CPU is part of the server's and there is
no separate database CPU. It serialises writers: its baseline is one Python sqlite3 writer
inserting the same rows as the service in a tight loop (one transaction per order: the order
row, then its items in one multi-row INSERT), with the settings the service uses (WAL,
synchronous=NORMAL, BEGIN IMMEDIATE).
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from loadspec import percentiles

_NOW_COLUMNS = {"created_date", "modified_date"}


class SqliteDB:
    kind = "sqlite"
    label = "SQLite (WAL, synchronous=NORMAL, temp file)"

    def __init__(self, path: Path):
        self.path = path
        self.url = f"sqlite:///{path}"
        self.version = sqlite3.sqlite_version

    @classmethod
    @contextlib.contextmanager
    def start(cls) -> Iterator[SqliteDB]:
        work = Path(tempfile.mkdtemp(prefix="bench-sqlite-"))
        try:
            yield cls(work / "oms.sqlite3")
        finally:
            shutil.rmtree(work, ignore_errors=True)

    @contextlib.contextmanager
    def sibling(self, name: str) -> Iterator[SqliteDB]:
        """Another, empty database file."""
        with SqliteDB.start() as other:
            yield other

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def scalar(self, sql: str, params: tuple = ()):
        with contextlib.closing(self._connect()) as conn:
            return conn.execute(sql, params).fetchone()[0]

    # --- measurement ----------------------------------------------------------------------
    def server_cpu(self) -> float:
        return 0.0  # in the application's processes

    def max_order_id(self) -> int:
        return self.scalar("SELECT coalesce(max(id), 0) FROM orders_order")

    def orders_since(self, order_id: int) -> int:
        return self.scalar("SELECT count(*) FROM orders_order WHERE id > ?", (order_id,))

    # --- the baseline ---------------------------------------------------------------------
    @staticmethod
    def _columns(conn: sqlite3.Connection, table: str, *skip: str) -> list[str]:
        return [row[1] for row in conn.execute(f"PRAGMA table_info({table})") if row[1] not in skip]

    def run_baseline(self, template_order_id: int, prefix: str, duration: float) -> dict:
        """One writer inserting copies of the template order and its items for `duration` seconds."""
        with contextlib.closing(self._connect()) as conn:
            order_cols = self._columns(conn, "orders_order", "id")
            item_cols = self._columns(conn, "orders_orderitem", "id", "order_id")
            order = conn.execute(
                f"SELECT {', '.join(map(_q, order_cols))} FROM orders_order WHERE id = ?",
                (template_order_id,),
            ).fetchone()
            items = conn.execute(
                f"SELECT {', '.join(map(_q, item_cols))} FROM orders_orderitem WHERE order_id = ? ORDER BY id",
                (template_order_id,),
            ).fetchall()
            number_at = order_cols.index("number")
            order_now = [i for i, c in enumerate(order_cols) if c in _NOW_COLUMNS]
            item_now = [i for i, c in enumerate(item_cols) if c in _NOW_COLUMNS]
            insert_order = (
                f"INSERT INTO orders_order ({', '.join(map(_q, order_cols))}) "
                f"VALUES ({', '.join('?' * len(order_cols))})"
            )
            row_marks = "(" + ", ".join("?" * (len(item_cols) + 1)) + ")"
            insert_items = (
                f"INSERT INTO orders_orderitem ({', '.join(map(_q, item_cols))}, order_id) "
                f"VALUES {', '.join([row_marks] * len(items))}"
            )
            latencies, count = [], 0
            cpu0, started = time.process_time(), time.monotonic()
            deadline = started + duration
            while time.monotonic() < deadline:
                count += 1
                now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
                values = list(order)
                values[number_at] = f"{prefix}-{count}"
                for i in order_now:
                    values[i] = now
                rows = [list(item) for item in items]
                for row in rows:
                    for i in item_now:
                        row[i] = now
                t0 = time.perf_counter()
                conn.execute("BEGIN IMMEDIATE")
                order_id = conn.execute(insert_order, values).lastrowid
                conn.execute(insert_items, [value for row in rows for value in (*row, order_id)])
                conn.execute("COMMIT")
                latencies.append((time.perf_counter() - t0) * 1000)
            elapsed = time.monotonic() - started
            cpu = time.process_time() - cpu0
        latencies.sort()
        return {
            "tool": "python sqlite3, 1 writer",
            "orders_per_s": count / elapsed,
            "orders": count,
            "failed": 0,
            "latency_ms": percentiles(latencies),
            "db_cpu_s": cpu,
            "loadgen_cpu_s": 0.0,
        }

    # --- the fill for the cost-growth run -------------------------------------------------
    def fill(self, template_order_id: int, count: int) -> float:
        """Copy the template order `count` times (and its items), in bulk; returns seconds taken."""
        started = time.monotonic()
        with contextlib.closing(self._connect()) as conn:
            order_cols = self._columns(conn, "orders_order", "id")
            item_cols = self._columns(conn, "orders_orderitem", "id", "order_id")
            conn.execute("PRAGMA cache_size = -262144")  # 256 MB: the indexes grow in memory
            first_new = conn.execute("SELECT coalesce(max(id), 0) FROM orders_order").fetchone()[0]
            select = ", ".join("'FILL-' || g.n" if c == "number" else f"t.{_q(c)}" for c in order_cols)
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?) "
                f"INSERT INTO orders_order ({', '.join(map(_q, order_cols))}) "
                f"SELECT {select} FROM g, orders_order t WHERE t.id = ?",
                (count, template_order_id),
            )
            conn.execute(
                f"INSERT INTO orders_orderitem ({', '.join(map(_q, item_cols))}, order_id) "
                f"SELECT {', '.join(f'i.{_q(c)}' for c in item_cols)}, o.id "
                "FROM orders_order o JOIN orders_orderitem i ON i.order_id = ? WHERE o.id > ?",
                (template_order_id, first_new),
            )
            conn.execute("COMMIT")
            conn.execute("ANALYZE")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return time.monotonic() - started


def _q(name: str) -> str:
    return f'"{name}"'
