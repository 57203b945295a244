"""The benchmark's PostgreSQL side: a durable throwaway cluster, its baseline, its fill, its CPU.

The baseline is the database alone doing the same writes as the service: pgbench runs one
statement per order, a CTE inserting the order row and its item rows, whose values are copied
from an order the service itself created (so the rows are the same, column for column).
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import procstat
import psycopg
from loadspec import percentiles

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from pgcluster import cluster

# Columns the database fills at write time, as the service does.
_NOW_COLUMNS = {"created_date", "modified_date"}


class PostgresDB:
    kind = "postgres"
    label = "PostgreSQL 15 (durable: fsync and synchronous_commit on)"

    def __init__(self, url: str):
        self.url = url
        self.conn = psycopg.connect(url, autocommit=True)
        self.data_dir = Path(self.scalar("SHOW data_directory"))
        self.version = self.scalar("SHOW server_version")

    @classmethod
    @contextlib.contextmanager
    def start(cls) -> Iterator[PostgresDB]:
        with cluster(durable=True) as url:
            db = cls(url)
            try:
                yield db
            finally:
                db.conn.close()

    @contextlib.contextmanager
    def sibling(self, name: str) -> Iterator[PostgresDB]:
        """Another, empty database in the same cluster."""
        self.conn.execute(f'CREATE DATABASE "{name}"')
        other = PostgresDB(self.url.rsplit("/", 1)[0] + "/" + name)
        try:
            yield other
        finally:
            other.conn.close()

    def scalar(self, sql: str, params: tuple = ()):
        return self.conn.execute(sql, params).fetchone()[0]

    # --- measurement --------------------------------------------------------------------
    def server_cpu(self) -> float:
        """CPU seconds of the whole cluster: postmaster, backends, WAL writer, checkpointer..."""
        postmaster = int((self.data_dir / "postmaster.pid").read_text().split()[0])
        return procstat.tree_cpu(postmaster)

    def max_order_id(self) -> int:
        return self.scalar("SELECT coalesce(max(id), 0) FROM orders_order")

    def orders_since(self, order_id: int) -> int:
        return self.scalar("SELECT count(*) FROM orders_order WHERE id > %s", (order_id,))

    @contextlib.contextmanager
    def statement_log(self) -> Iterator[list[str]]:
        """Every statement the server receives inside the block (log_statement=all, then reset).

        Counted at the server, so it includes what the application's query log cannot see:
        BEGIN, COMMIT, savepoints and the connection health check.
        """
        logfile = self.data_dir.parent / "server.log"
        own_pid = self.scalar("SELECT pg_backend_pid()")
        self.conn.execute("ALTER SYSTEM SET log_statement = 'all'")
        self.conn.execute("SELECT pg_reload_conf()")
        time.sleep(0.3)  # backends pick the new setting up at their next command
        start = logfile.stat().st_size
        statements: list[str] = []
        try:
            yield statements
        finally:
            time.sleep(0.2)
            with logfile.open("rb") as f:
                f.seek(start)
                text = f.read().decode(errors="replace")
            self.conn.execute("ALTER SYSTEM RESET log_statement")
            self.conn.execute("SELECT pg_reload_conf()")
            # Simple-protocol statements log as "statement:", parameterised and prepared ones
            # (psycopg prepares a query after its fifth run) as "execute <name>:".
            pattern = re.compile(r"\[(\d+)\] LOG:  (?:statement|execute [^:]*): (.*)")
            for line in text.splitlines():
                match = pattern.search(line)
                if match and int(match.group(1)) != own_pid:
                    statements.append(match.group(2))

    # --- the baseline ---------------------------------------------------------------------
    def _columns(self, table: str) -> list[tuple[str, str]]:
        rows = self.conn.execute(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            (table,),
        ).fetchall()
        return [(name, kind) for name, kind in rows if name != "id"]

    def _literal_rows(self, table: str, columns: list[tuple[str, str]], where: str, key: int) -> list[list]:
        select = ", ".join(f'"{name}"::text' for name, _ in columns)
        sql = f"SELECT {select} FROM {table} WHERE {where} = %s ORDER BY id"
        return [list(row) for row in self.conn.execute(sql, (key,)).fetchall()]

    def baseline_script(self, template_order_id: int, prefix: str) -> str:
        """pgbench script: one statement inserting the template order (new number) and its items."""
        order_cols = self._columns("orders_order")
        item_cols = [c for c in self._columns("orders_orderitem") if c[0] != "order_id"]
        (order_row,) = self._literal_rows("orders_order", order_cols, "id", template_order_id)
        item_rows = self._literal_rows("orders_orderitem", item_cols, "order_id", template_order_id)
        order_values = []
        for (name, kind), value in zip(order_cols, order_row, strict=True):
            if name == "number":
                order_values.append(f"'{prefix}-' || :client_id || '-' || :n")
            elif name in _NOW_COLUMNS:
                order_values.append("now()")
            else:
                order_values.append(_literal(value, kind))
        item_values = ",\n    ".join(
            "("
            + ", ".join(
                "now()" if name in _NOW_COLUMNS else _literal(value, kind)
                for (name, kind), value in zip(item_cols, row, strict=True)
            )
            + ")"
            for row in item_rows
        )
        order_names = ", ".join(f'"{n}"' for n, _ in order_cols)
        item_names = ", ".join(f'"{n}"' for n, _ in item_cols)
        return (
            "\\set n :n + 1\n"
            f"WITH o AS (INSERT INTO orders_order ({order_names})\n"
            f"  VALUES ({', '.join(order_values)}) RETURNING id)\n"
            f"INSERT INTO orders_orderitem ({item_names}, order_id)\n"
            f"  SELECT v.*, o.id FROM o, (VALUES\n    {item_values}) AS v;\n"
        )

    def run_baseline(self, script: str, clients: int, duration: float) -> dict:
        """pgbench with `script` for `duration` seconds; orders/s, latency percentiles, CPU."""
        work = Path(tempfile.mkdtemp(prefix="bench-pgbench-"))
        try:
            (work / "order.sql").write_text(script)
            port = self.url.rsplit(":", 1)[1].split("/", 1)[0]
            cmd = [
                shutil.which("pgbench") or "pgbench",
                *("-h", "127.0.0.1", "-p", port, "-U", "postgres", "-n"),
                *("-f", str(work / "order.sql"), "-D", "n=0"),
                *("-c", str(clients), "-j", str(min(2, clients)), "-T", f"{duration:g}"),
                *("-l", "--log-prefix", str(work / "tx")),
                "postgres",
            ]
            first_id = self.max_order_id()
            cpu0, gen0, busy0 = self.server_cpu(), procstat.children_cpu(), procstat.machine_busy()
            out = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=work)
            cpu1, gen1, busy1 = self.server_cpu(), procstat.children_cpu(), procstat.machine_busy()
            stored = self.orders_since(first_id)
            latencies = sorted(
                int(line.split()[2]) / 1000
                for path in work.glob("tx*")
                for line in path.read_text().splitlines()
                if line.strip()
            )
        finally:
            shutil.rmtree(work, ignore_errors=True)
        done = _pgbench_number(out.stdout, r"number of transactions actually processed: (\d+)")
        failed = _pgbench_number(out.stdout, r"number of failed transactions: (\d+)") or 0
        tps = _pgbench_number(out.stdout, r"tps = ([\d.]+) \(without initial connection time\)")
        if out.returncode != 0 or done is None or tps is None:
            raise RuntimeError(f"pgbench failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
        return {
            "tool": "pgbench",
            "orders_per_s": tps,
            "orders": int(done),
            "stored": stored,
            "failed": int(failed),
            "latency_ms": percentiles(latencies),
            "db_cpu_s": cpu1 - cpu0,
            "loadgen_cpu_s": gen1 - gen0,
            "machine_busy_s": busy1 - busy0,
        }

    # --- the fill for the cost-growth run -----------------------------------------------------
    def fill(self, template_order_id: int, count: int) -> float:
        """Copy the template order `count` times (and its items), in bulk; returns seconds taken."""
        started = time.monotonic()
        order_cols = [name for name, _ in self._columns("orders_order")]
        item_cols = [name for name, _ in self._columns("orders_orderitem") if name != "order_id"]
        first_new = self.max_order_id()
        select = ", ".join("'FILL-' || g" if c == "number" else f't."{c}"' for c in order_cols)
        with self.conn.transaction():
            # The copies are valid by construction (the template's references exist): skip the
            # per-row foreign-key triggers, as a restore would, for a fill several times faster.
            self.conn.execute("SET LOCAL session_replication_role = replica")
            self.conn.execute(
                f"INSERT INTO orders_order ({', '.join(map(_q, order_cols))}) SELECT {select} "
                "FROM orders_order t, generate_series(1, %s) g WHERE t.id = %s",
                (count, template_order_id),
            )
            self.conn.execute(
                f"INSERT INTO orders_orderitem ({', '.join(map(_q, item_cols))}, order_id) "
                f"SELECT {', '.join(f'i.{_q(c)}' for c in item_cols)}, o.id "
                "FROM orders_order o JOIN orders_orderitem i ON i.order_id = %s WHERE o.id > %s",
                (template_order_id, first_new),
            )
        # What autovacuum would have done by the time a real table held this many rows.
        self.conn.execute("VACUUM ANALYZE orders_order")
        self.conn.execute("VACUUM ANALYZE orders_orderitem")
        self.conn.execute("CHECKPOINT")
        return time.monotonic() - started


def _q(name: str) -> str:
    return f'"{name}"'


def _literal(value: str | None, kind: str) -> str:
    if value is None:
        return f"NULL::{kind}"
    return "'" + value.replace("'", "''") + f"'::{kind}"


def _pgbench_number(text: str, pattern: str) -> float | None:
    match = re.search(pattern, text)
    return float(match.group(1)) if match else None
