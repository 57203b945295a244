"""Bulk create benchmark: `POST create_orders/bulk/` against the database's own multi-row insert.

On a throwaway durable PostgreSQL, served by gunicorn with the production configuration: batches
of 1,000 orders with 3 items each go through the bulk endpoint (reject_failed), then the
baseline inserts the same rows with one set-based statement per batch (a CTE: the orders with
INSERT ... SELECT over generate_series, their items joined to the new ids), copied column for
column from an order the service stored. Reported as orders/s and the ratio service / baseline
(the issue's goal: at least 0.5). Run by `make bench-bulk`; never by `make test`.
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


def post_bulk(url: str, token: str, prefix: str) -> tuple[int, dict]:
    orders = [json.loads(pyload.order_body(f"{prefix}-{i}", ITEMS)) for i in range(BATCH_SIZE)]
    body = json.dumps({"orders": orders, "error_policy": "reject_failed"}).encode()
    request = urllib.request.Request(
        f"{url}/api/v1/channel/1/create_orders/bulk/",
        data=body,
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=300) as response:
        return response.status, json.loads(response.read())


def service_rate(url: str, token: str) -> tuple[float, float]:
    status, answer = post_bulk(url, token, "WARM")  # warm-up: imports, caches, connections
    assert status == 200 and answer["summary"]["created"] == BATCH_SIZE, answer["summary"]
    started = time.perf_counter()
    for batch in range(BATCHES):
        status, answer = post_bulk(url, token, f"SVC{batch}")
        if status != 200 or answer["summary"]["created"] != BATCH_SIZE:
            raise RuntimeError(f"batch {batch}: {status} {answer.get('summary')}")
    seconds = time.perf_counter() - started
    return BATCHES * BATCH_SIZE / seconds, seconds


def baseline_rate(db: PostgresDB) -> tuple[float, float]:
    template = db.scalar("SELECT max(id) FROM orders_order")
    order_cols = _columns(db, "orders_order", {"id", "number"})
    item_cols = _columns(db, "orders_orderitem", {"id", "order_id"})
    select_order = ", ".join(f'o."{c}"' for c in order_cols)
    select_item = ", ".join(f'i."{c}"' for c in item_cols)
    started = time.perf_counter()
    for batch in range(BATCHES):
        db.conn.execute(
            f"""WITH new AS (
                  INSERT INTO orders_order (number, {", ".join(f'"{c}"' for c in order_cols)})
                  SELECT 'BASE{batch}-' || g, {select_order}
                  FROM orders_order o, generate_series(1, %s) g WHERE o.id = %s
                  RETURNING id)
                INSERT INTO orders_orderitem (order_id, {", ".join(f'"{c}"' for c in item_cols)})
                SELECT new.id, {select_item} FROM new CROSS JOIN orders_orderitem i WHERE i.order_id = %s""",
            (BATCH_SIZE, template, template),
        )
    seconds = time.perf_counter() - started
    return BATCHES * BATCH_SIZE / seconds, seconds


def _columns(db: PostgresDB, table: str, skip: set[str]) -> list[str]:
    rows = db.conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return [name for (name,) in rows if name not in skip]


def main() -> int:
    with PostgresDB.start() as db, tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DATABASE_URL": db.url, "OMS_VAR_DIR": tmp}
        token = srv.prepare(env)
        with srv.gunicorn(env, Path(tmp) / "gunicorn.log") as server:
            service, service_s = service_rate(server.url, token)
        baseline, baseline_s = baseline_rate(db)
    result = {
        "database": "PostgreSQL 15 (durable)",
        "batch_size": BATCH_SIZE,
        "batches": BATCHES,
        "items_per_order": ITEMS,
        "service_orders_per_s": round(service, 1),
        "service_seconds": round(service_s, 2),
        "baseline_orders_per_s": round(baseline, 1),
        "baseline_seconds": round(baseline_s, 2),
        "ratio": round(service / baseline, 3),
        "load_average": os.getloadavg(),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bulk.json").write_text(json.dumps(result, indent=2))
    print(
        f"bulk create, {BATCH_SIZE} orders x {ITEMS} items per call, {BATCHES} calls, one client:\n"
        f"  service  {service:8.0f} orders/s  ({service_s:.2f} s)\n"
        f"  baseline {baseline:8.0f} orders/s  ({baseline_s:.2f} s, one INSERT ... SELECT statement per batch)\n"
        f"  ratio    {service / baseline:8.3f}   (goal >= 0.5; load average {os.getloadavg()[0]:.1f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
