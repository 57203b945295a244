"""Order reads at scale: fill a database with N orders (1,000,000 by default), then measure.

    python bench/orders_scale.py                      # SQLite and PostgreSQL, 1,000,000 orders
    python bench/orders_scale.py --db sqlite --orders 200000 --repeat 50

For each database a fresh one is made (a temporary SQLite file; a throwaway PostgreSQL 15 cluster
from scripts/pgcluster.py), migrated, given the demo data, then filled fast: rows are written
straight into the tables (PostgreSQL COPY, SQLite executemany in large transactions), one item
per order, copied from the demo order with a new number, dates and status. Reads then go through
the whole Django stack in-process (test client: auth, filters, pagination, rendering), so the
figures are server-side latency without the network. Reported per read: p50 and p95 of the
request, the p50 of its slowest SQL query and of each of its queries. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 20_000
STATUSES = ["approved", "preparing", "shipped", "delivered", "cancelled"]
START = datetime(2024, 1, 1, tzinfo=UTC)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per read (after 3 warm-ups)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.orders < 10_000:
        parser.error("--orders must be at least 10,000: page 1,000 of 10 is measured")
    if args.worker:
        return worker(args.orders, args.repeat)
    results = []
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        results.append(run_db(db, args.orders, args.repeat))
    print_table(results)
    return 0


def run_db(db: str, orders: int, repeat: int) -> dict:
    return run_worker(__file__, db, ["--orders", str(orders), "--repeat", str(repeat)])


def run_worker(script: str, db: str, arguments: list[str]) -> dict:
    """Run `script --worker` in a child process against a fresh database; its last line is JSON."""
    command = [sys.executable, script, "--worker", *arguments]
    with tempfile.TemporaryDirectory(prefix="oms-bench-") as tmp:
        env = {**os.environ, "OMS_VAR_DIR": tmp, "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"}
        if db == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
            output = subprocess.run(command, env=env, check=True, stdout=subprocess.PIPE, text=True)
        else:
            sys.path.insert(0, str(ROOT / "scripts"))
            from pgcluster import cluster

            with cluster(durable=False) as url:
                env["DATABASE_URL"] = url
                output = subprocess.run(command, env=env, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


# --- the worker: one database -----------------------------------------------------------------------


def setup_database() -> str:
    """Django set up on the worker's database, migrated, with the demo data; the demo key."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from oms.demo import load_demo

    call_command("migrate", verbosity=0)
    return load_demo().token


def worker(orders: int, repeat: int) -> int:
    token = setup_database()
    from django.db import connection

    began = time.perf_counter()
    fill(orders)
    fill_seconds = time.perf_counter() - began
    log(f"{connection.vendor}: {orders:,} orders filled in {fill_seconds:.0f} s")
    reads = measure(token, orders, repeat)
    print(
        json.dumps(
            {"db": connection.vendor, "orders": orders, "fill_seconds": round(fill_seconds), "reads": reads}
        )
    )
    return 0


def fill(count: int) -> None:
    """`count` orders with one item each, in channel 1, copied from the demo order."""
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from oms.orders.models import Order, OrderItem

    order_template = _template(Order, Order.objects.order_by("pk").first())
    item_template = _template(OrderItem, OrderItem.objects.order_by("pk").first())
    first_id = Order.objects.order_by("-pk").values_list("pk", flat=True).first() + 1
    first_item_id = OrderItem.objects.order_by("-pk").values_list("pk", flat=True).first() + 1
    for start in range(0, count, CHUNK):
        numbers = range(start, min(start + CHUNK, count))
        order_rows = [_order_row(order_template, first_id + n, n) for n in numbers]
        item_rows = [_item_row(item_template, first_item_id + n, first_id + n, n) for n in numbers]
        with transaction.atomic():
            _write(Order, order_template, order_rows)
            _write(OrderItem, item_template, item_rows)
        if start // CHUNK % 10 == 0:
            log(f"  {start + len(numbers):,} / {count:,}")
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Order, OrderItem]):
            cursor.execute(sql)
    # What autovacuum would have done by now: statistics, and the visibility map that lets
    # PostgreSQL answer counts and deep offsets from the indexes alone.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def _template(model, row) -> dict:
    """Column -> value of an existing row, adapted for the database once."""
    from django.db import connection

    values = {}
    for field in model._meta.concrete_fields:
        value = getattr(row, field.attname)
        if field.get_internal_type() == "JSONField":
            values[field.column] = json.dumps(value)
        elif connection.vendor == "sqlite":
            values[field.column] = field.get_db_prep_save(value, connection)
        else:
            values[field.column] = value
    return values


def _moment(n: int) -> datetime:
    return START + timedelta(seconds=30 * n)


def _when(value: datetime):
    from django.db import connection

    return connection.ops.adapt_datetimefield_value(value) if connection.vendor == "sqlite" else value


def _order_row(template: dict, pk: int, n: int) -> tuple:
    placed = _moment(n)
    row = dict(template)
    row.update(
        id=pk,
        number=f"B{n:07d}",
        status=STATUSES[n % len(STATUSES)],
        date_placed=_when(placed),
        created_date=_when(placed + timedelta(seconds=1)),
        modified_date=_when(placed + timedelta(seconds=2)),
        payload_hash=f"{n:064x}",
    )
    return tuple(row.values())


def _item_row(template: dict, pk: int, order_id: int, n: int) -> tuple:
    row = dict(template)
    row.update(
        id=pk,
        order_id=order_id,
        parent_id=None,
        status=STATUSES[n % len(STATUSES)],
        extra_field=json.dumps({"id": f"B{n:07d}-0"}),
        created_date=_when(_moment(n) + timedelta(seconds=1)),
        modified_date=_when(_moment(n) + timedelta(seconds=2)),
    )
    return tuple(row.values())


def _write(model, template: dict, rows: list[tuple]) -> None:
    from django.db import connection

    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(column) for column in template)
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in template)
        connection.connection.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


# --- the reads ----------------------------------------------------------------------------------------


def measure(token: str, count: int, repeat: int) -> dict:
    from django.db import connection
    from django.test import Client

    from oms.core.pagination import encode_cursor
    from oms.orders.models import Order

    channel_orders = Order.objects.filter(channel_id=1)
    deep = channel_orders.order_by("-pk").values_list("pk", flat=True)[9989]  # last row of page 999
    recent = channel_orders.order_by("-modified_date", "-pk").values_list("modified_date", flat=True)[10]
    middle = f"B{count // 2:07d}"
    url = "/api/v1/channel/1/orders/"
    reads = {
        "page 1 (page number, with count)": (url, {}),
        "page 1 (cursor)": (url, {"cursor": ""}),
        "page 1000 (cursor)": (url, {"cursor": encode_cursor(sort="-id", value=deep, pk=deep)}),
        "page 1000 (page number)": (url, {"page": "1000"}),
        "modified_date__gt poll (10 changed)": (
            url,
            {"modified_date__gt": recent.isoformat(), "sort": "modified_date", "limit": "100"},
        ),
        "number lookup": (url, {"number": middle, "channel_id": "1"}),
    }
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    results = {}
    for name, (path, params) in reads.items():
        latencies, slowest, per_query = [], [], []
        for attempt in range(repeat + 3):
            timings: list[float] = []
            with connection.execute_wrapper(_timed(timings)):
                began = time.perf_counter()
                response = client.get(path, params)
                elapsed = time.perf_counter() - began
            assert response.status_code == 200, response.content[:500]
            assert response.json()["results"], name
            if attempt >= 3:
                latencies.append(elapsed * 1000)
                slowest.append(max(timings) * 1000)
                per_query.append([t * 1000 for t in timings])
        results[name] = {
            "p50_ms": round(statistics.median(latencies), 1),
            "p95_ms": round(statistics.quantiles(latencies, n=20)[-1], 1),
            "slowest_query_p50_ms": round(statistics.median(slowest), 2),
            # p50 of each SQL query of the request, in the order they run (auth lookups are cached)
            "queries_p50_ms": [round(statistics.median(times), 2) for times in zip(*per_query, strict=False)],
            "rows": len(response.json()["results"]),
        }
        log(f"  {name}: {results[name]}")
    return results


def _timed(timings: list[float]):
    """A query wrapper that appends each query's duration (seconds) to `timings`."""

    def wrapper(execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append(time.perf_counter() - began)

    return wrapper


def print_table(results: list[dict]) -> None:
    names = list(results[0]["reads"])
    header = f"{'read':40}" + "".join(f"{r['db'] + ' p50 / p95 (slowest query) ms':>42}" for r in results)
    print(header)
    for name in names:
        cells = "".join(
            f"{r['reads'][name]['p50_ms']:>22} / {r['reads'][name]['p95_ms']:<6} ({r['reads'][name]['slowest_query_p50_ms']})".rjust(
                42
            )
            for r in results
        )
        print(f"{name:40}{cells}")
    for r in results:
        print(f"{r['db']}: {r['orders']:,} orders filled in {r['fill_seconds']} s")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
