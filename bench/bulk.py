"""Bulk create benchmark: `POST create_orders/bulk/` against the database's own multi-row insert.

On a throwaway durable PostgreSQL, served by gunicorn with the production configuration: batches
of 1,000 orders with 3 items each go through the bulk endpoint (reject_failed). Two references
insert the same rows on the same cluster, interleaved with the service batch by batch:

- multi-row insert: per batch one `INSERT ... VALUES (...), (...)` statement (orders, then their
  items joined to the new ids by number), every value a literal copied from orders the service
  stored: what the database does for a client sending those rows. The issue's goal is a ratio
  service / multi-row insert of at least 0.5.
- copy: per batch one `INSERT ... SELECT` over generate_series copying a stored order: no row
  travels from a client, the strictest reference.

Run by `make bench` (last) and alone by `make bench-bulk`; never by `make test`.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pyload
import server as srv
from pgdb import PostgresDB

BATCHES = int(os.environ.get("BENCH_BULK_BATCHES", "5"))
BATCH_SIZE = int(os.environ.get("BENCH_BULK_SIZE", "1000"))
ITEMS = 3
RESULTS = Path(__file__).resolve().parent / "results"


def bulk_body(prefix: str) -> bytes:
    orders = [json.loads(pyload.order_body(f"{prefix}-{i}", ITEMS)) for i in range(BATCH_SIZE)]
    return json.dumps({"orders": orders, "error_policy": "reject_failed"}).encode()


def post_bulk(url: str, token: str, body: bytes) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{url}/api/v1/channel/1/create_orders/bulk/",
        data=body,
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=300) as response:
        return response.status, json.loads(response.read())


def copy_statements(db: PostgresDB) -> list[tuple[str, tuple]]:
    """The database copying rows it already holds: INSERT ... SELECT over generate_series, the
    items joined to the new ids. No row travels from a client: the strictest reference."""
    template = db.scalar("SELECT max(id) FROM orders_order")
    order_cols = _columns(db, "orders_order", {"id", "number"})
    item_cols = _columns(db, "orders_orderitem", {"id", "order_id"})
    select_order = ", ".join(f'o."{c}"' for c in order_cols)
    select_item = ", ".join(f'i."{c}"' for c in item_cols)
    return [
        (
            f"""WITH new AS (
                  INSERT INTO orders_order (number, {", ".join(f'"{c}"' for c in order_cols)})
                  SELECT 'BASE{batch}-' || g, {select_order}
                  FROM orders_order o, generate_series(1, %s) g WHERE o.id = %s
                  RETURNING id)
                INSERT INTO orders_orderitem (order_id, {", ".join(f'"{c}"' for c in item_cols)})
                SELECT new.id, {select_item} FROM new CROSS JOIN orders_orderitem i WHERE i.order_id = %s""",
            (BATCH_SIZE, template, template),
        )
        for batch in range(BATCHES)
    ]


def values_statements(db: PostgresDB, prefix: str) -> list[bytes]:
    """The database's multi-row insert of rows sent by a client: per batch one statement,
    `INSERT ... VALUES (...), (...)` for the orders and their items, every value a literal
    copied from the batch of orders the service stored under `prefix`."""
    order_cols = _columns(db, "orders_order", {"id", "number"})
    item_cols = _columns(db, "orders_orderitem", {"id", "order_id"})
    quoted_orders = ", ".join('quote_nullable("' + c + '")' for c in order_cols)
    quoted_items = ", ".join('quote_nullable(i."' + c + '")' for c in item_cols)
    orders = db.conn.execute(
        f"SELECT number, {quoted_orders} FROM orders_order WHERE number LIKE %s ORDER BY id",
        (f"{prefix}-%",),
    ).fetchall()
    items = db.conn.execute(
        f"SELECT o.number, {quoted_items} "
        "FROM orders_orderitem i JOIN orders_order o ON o.id = i.order_id "
        "WHERE o.number = ANY(%s) ORDER BY i.id",
        ([row[0] for row in orders],),
    ).fetchall()
    item_types = _types(db, "orders_orderitem", item_cols)
    statements = []
    for batch in range(BATCHES):
        order_rows = ", ".join(f"('VAL{batch}-{row[0]}', {', '.join(row[1:])})" for row in orders)
        item_rows = ", ".join(f"('VAL{batch}-{row[0]}', {', '.join(row[1:])})" for row in items)
        casts = ", ".join(f'v."{c}"::{t}' for c, t in zip(item_cols, item_types, strict=True))
        statements.append(
            f"""WITH new AS (
                  INSERT INTO orders_order (number, {", ".join(f'"{c}"' for c in order_cols)})
                  VALUES {order_rows} RETURNING id, number)
                INSERT INTO orders_orderitem (order_id, {", ".join(f'"{c}"' for c in item_cols)})
                SELECT new.id, {casts} FROM (VALUES {item_rows})
                AS v(number, {", ".join(f'"{c}"' for c in item_cols)}) JOIN new USING (number)""".encode()
        )
    return statements


def measure(db: PostgresDB, url: str, token: str) -> dict[str, float]:
    """Seconds for BATCHES batches of each: the service, the multi-row insert and the copy, the
    three interleaved batch by batch so that they share the machine's noise."""
    status, answer = post_bulk(url, token, bulk_body("WARM"))  # warm-up: imports, caches, connections
    assert status == 200 and answer["summary"]["created"] == BATCH_SIZE, answer["summary"]
    # Everything is built before the clock starts: no side times making its rows.
    bodies = [bulk_body(f"SVC{batch}") for batch in range(BATCHES)]
    values, copies = values_statements(db, "WARM"), copy_statements(db)
    seconds = {"service": 0.0, "values": 0.0, "copy": 0.0}
    for batch in range(BATCHES):
        started = time.perf_counter()
        status, answer = post_bulk(url, token, bodies[batch])
        seconds["service"] += time.perf_counter() - started
        if status != 200 or answer["summary"]["created"] != BATCH_SIZE:
            raise RuntimeError(f"batch {batch}: {status} {answer.get('summary')}")
        started = time.perf_counter()
        db.conn.execute(values[batch])
        seconds["values"] += time.perf_counter() - started
        started = time.perf_counter()
        db.conn.execute(*copies[batch])
        seconds["copy"] += time.perf_counter() - started
    return seconds


def _types(db: PostgresDB, table: str, columns: list[str]) -> list[str]:
    rows = dict(
        db.conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s", (table,)
        ).fetchall()
    )
    return [rows[c] for c in columns]


def _columns(db: PostgresDB, table: str, skip: set[str]) -> list[str]:
    rows = db.conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return [name for (name,) in rows if name not in skip]


def run() -> dict:
    """The service and both references, interleaved, on one throwaway durable cluster."""
    with PostgresDB.start() as db, tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DATABASE_URL": db.url, "OMS_VAR_DIR": tmp}
        token = srv.prepare(env)
        with srv.gunicorn(env, Path(tmp) / "gunicorn.log") as server:
            seconds = measure(db, server.url, token)
    orders = BATCHES * BATCH_SIZE
    service, values, copy = (orders / seconds[kind] for kind in ("service", "values", "copy"))
    return {
        "database": "PostgreSQL 15 (durable)",
        "batch_size": BATCH_SIZE,
        "batches": BATCHES,
        "items_per_order": ITEMS,
        "service_orders_per_s": round(service, 1),
        "service_seconds": round(seconds["service"], 2),
        "values_baseline_orders_per_s": round(values, 1),
        "values_baseline_seconds": round(seconds["values"], 2),
        "ratio": round(service / values, 3),
        "copy_baseline_orders_per_s": round(copy, 1),
        "copy_baseline_seconds": round(seconds["copy"], 2),
        "ratio_to_copy": round(service / copy, 3),
        "load_average": os.getloadavg(),
    }


def table(result: dict) -> str:
    return (
        f"bulk create, {result['batch_size']} orders x {result['items_per_order']} items per call, "
        f"{result['batches']} calls, one client, PostgreSQL durable; the three interleaved batch by batch:\n"
        f"  service          {result['service_orders_per_s']:8.0f} orders/s  ({result['service_seconds']:.2f} s)\n"
        f"  multi-row insert {result['values_baseline_orders_per_s']:8.0f} orders/s  "
        f"({result['values_baseline_seconds']:.2f} s; per batch one INSERT ... VALUES of the same rows as literals)\n"
        f"  copy             {result['copy_baseline_orders_per_s']:8.0f} orders/s  "
        f"({result['copy_baseline_seconds']:.2f} s; per batch one INSERT ... SELECT copying a stored order, no client data)\n"
        f"  ratio {result['ratio']:.3f} to the multi-row insert (goal >= 0.5), {result['ratio_to_copy']:.3f} to the copy; "
        f"load average {result['load_average'][0]:.1f}"
    )


def main() -> int:
    result = run()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bulk.json").write_text(json.dumps(result, indent=2))
    print(table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
