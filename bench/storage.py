"""Bytes per stored order, and index growth, on PostgreSQL: the figures of docs/scaling.md.

    python bench/storage.py [--orders 10000]

On a throwaway PostgreSQL 15: migrate, demo data, then `--orders` orders of 3 items created by
the bulk service (the write path of create_orders/bulk/), each moved once to `preparing` by
change_order_status (which writes its history rows). Reports, per table, the heap (with TOAST)
and each index in bytes per order after VACUUM, and what 10,000,000 orders would take at that
rate (B-tree and heap sizes grow linearly with rows; the fill factor of a table written in
insertion order is what is measured here).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLES = ["orders_order", "orders_orderitem", "orders_orderhistory"]
BATCH = 1000


def worker(orders: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from oms.channels.models import Channel
    from oms.demo import load_demo
    from oms.orders.models import Order
    from oms.orders.services.bulk import ErrorPolicy, create_orders_bulk
    from oms.orders.services.manage.changes import Actor
    from oms.orders.services.manage.items import change_order_status

    sys.path.insert(0, str(ROOT / "scripts"))
    from liveserver import order_body

    call_command("migrate", verbosity=0)
    load_demo()
    channel = Channel.objects.get(pk=1)
    for start in range(0, orders, BATCH):
        payloads = [order_body(f"SIZE-{n}", 3) for n in range(start, min(start + BATCH, orders))]
        create_orders_bulk(channel=channel, payloads=payloads, error_policy=ErrorPolicy.REJECT_EVERYTHING)
    actor = Actor(name="bench")
    for order_id in Order.objects.filter(number__startswith="SIZE-").values_list("pk", flat=True):
        change_order_status(channel=channel, order_id=order_id, status="preparing", actor=actor)
    stored = Order.objects.filter(number__startswith="SIZE-").count()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        sizes = {}
        for table in TABLES:
            cursor.execute(
                "SELECT pg_table_size(%s::regclass), (SELECT count(*) FROM " + table + ")", [table]
            )
            heap, rows = cursor.fetchone()
            cursor.execute(
                "SELECT indexrelid::regclass::text, pg_relation_size(indexrelid) FROM pg_index "
                "WHERE indrelid = %s::regclass ORDER BY 1",
                [table],
            )
            sizes[table] = {"rows": rows, "heap": heap, "indexes": dict(cursor.fetchall())}
    return {"orders": stored, "tables": sizes}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.orders)))
        return 0
    sys.path.insert(0, str(ROOT / "scripts"))
    from pgcluster import cluster

    with cluster(durable=False) as url, tempfile.TemporaryDirectory() as var:
        env = {**os.environ, "DATABASE_URL": url, "OMS_VAR_DIR": var, "LOG_LEVEL": "WARNING",
               "DJANGO_SETTINGS_MODULE": "oms.settings"}  # fmt: skip
        out = subprocess.run(
            [sys.executable, __file__, "--worker", "--orders", str(args.orders)],
            env=env, cwd=ROOT, check=True, capture_output=True, text=True,
        )  # fmt: skip
    result = json.loads(out.stdout.splitlines()[-1])
    orders = result["orders"]
    total = 0
    print(f"{orders:,} orders of 3 items, each with one status change\n")
    print("| relation | rows | bytes per order | at 10 M orders |\n|---|---|---|---|")
    for table, size in result["tables"].items():
        for name, value in [(f"{table} (heap)", size["heap"]), *size["indexes"].items()]:
            total += value
            rows = size["rows"] if name.endswith("(heap)") else ""
            print(f"| {name} | {rows} | {value / orders:,.0f} | {value / orders * 1e7 / 2**30:,.1f} GiB |")
    print(f"| **total** | | {total / orders:,.0f} | {total / orders * 1e7 / 2**30:,.1f} GiB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
