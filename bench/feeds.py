"""The channel feeds at scale: a channel's catalog of N products (100,000 by default), then reads.

    python bench/feeds.py                         # PostgreSQL, 100,000 products
    python bench/feeds.py --db sqlite --products 20000

A fresh database (a throwaway PostgreSQL 15 cluster from scripts/pgcluster.py, or a temporary
SQLite file) is migrated and given the demo data; channel 1's catalog is filled with N products,
each priced and stocked in the catalog's lists. Reads go through the whole Django stack
in-process (test client: auth, filters, pagination, rendering), so the figures are server-side
latency without the network. Measured:

- inserts/ for the first full sync: page 1 as channel-app asks for it (page=1&limit=100, with the
  count), pages 1, N/200 and N/100 by keyset cursor, and page 1 once half the catalog was sent
  (the anti-join skips every sent product);
- updates/ once every product was sent and 1,000 of them changed since (spread over the catalog,
  by a queryset update: the product table's trigger marks their catalog items pending): page 1
  as channel-app asks for it, and by cursor.

Reported per read: p50 and p95 of the request, the p50 of its slowest SQL query. Not part of
`make test`.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from orders_scale import _timed, log, run_worker, setup_database  # noqa: E402

CHUNK = 5_000
CHANGED = 1_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="postgres")
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per read (after 3 warm-ups)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.products, args.repeat)
    results = []
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        results.append(run_db(db, args.products, args.repeat))
    for result in results:
        print(
            f"\n{result['db']}: {result['products']:,} catalog products (filled in {result['fill_seconds']} s)"
        )
        print(f"{'read':58} {'p50 ms':>8} {'p95 ms':>8} {'slowest SQL':>12} {'rows':>5}")
        for name, read in result["reads"].items():
            print(
                f"{name:58} {read['p50_ms']:8.1f} {read['p95_ms']:8.1f} "
                f"{read['slowest_query_p50_ms']:12.2f} {read['rows']:5}"
            )
    out = ROOT / "bench" / "results" / "feeds.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


def run_db(db: str, products: int, repeat: int) -> dict:
    return run_worker(__file__, db, ["--products", str(products), "--repeat", str(repeat)])


# --- the worker: one database -----------------------------------------------------------------------


def worker(count: int, repeat: int) -> int:
    token = setup_database()
    from django.db import connection

    began = time.perf_counter()
    product_ids = fill(count)
    fill_seconds = time.perf_counter() - began
    log(f"{connection.vendor}: {count:,} catalog products filled in {fill_seconds:.0f} s")
    reads = {}
    inserts = "/api/v1/channel/1/products/inserts/"
    reads.update(measure_inserts(token, inserts, product_ids, repeat))
    deliver(product_ids[: count // 2])
    reads["inserts/ page 1 (page=1&limit=100), half the catalog sent"] = measure(
        token, inserts, {"page": "1", "limit": "100", "product_type": "0"}, repeat
    )
    deliver(product_ids[count // 2 :])
    change(random.Random(7).sample(product_ids, CHANGED))
    updates = "/api/v1/channel/1/products/updates/"
    reads[f"updates/ page 1 (page=1&limit=100), {CHANGED:,} changed"] = measure(
        token, updates, {"page": "1", "limit": "100", "product_type": "0"}, repeat
    )
    reads[f"updates/ page 1 (cursor, limit=100), {CHANGED:,} changed"] = measure(
        token, updates, {"cursor": "", "limit": "100"}, repeat
    )
    print(
        json.dumps(
            {"db": connection.vendor, "products": count, "fill_seconds": round(fill_seconds), "reads": reads}
        )
    )
    return 0


def fill(count: int):
    """`count` products in channel 1's catalog, each priced and stocked in the catalog's lists."""
    from django.db import connection, transaction

    from oms.catalog.models import Product, ProductPrice, ProductStock
    from oms.integrations.models import Catalog, CatalogItem

    catalog = Catalog.objects.create(channel_id=1, name="Bench", price_list_id=1, stock_list_id=1)
    ids: list[int] = []
    for start in range(0, count, CHUNK):
        with transaction.atomic():
            made = Product.objects.bulk_create(
                [
                    Product(sku=f"BENCH-{n:07d}", name=f"Bench {n}")
                    for n in range(start, min(start + CHUNK, count))
                ]
            )
            CatalogItem.objects.bulk_create([CatalogItem(catalog=catalog, product=p) for p in made])
            ProductPrice.objects.bulk_create(
                [ProductPrice(price_list_id=1, product=p, price=10) for p in made]
            )
            ProductStock.objects.bulk_create(
                [ProductStock(stock_list_id=1, product=p, stock=5) for p in made]
            )
        ids += [product.pk for product in made]
    _analyze(connection)
    return ids


def deliver(product_ids: list[int]) -> None:
    """What channel-app's done batches leave: a link per product, delivered at its version."""
    from django.db import connection, transaction

    from oms.catalog.models import Product
    from oms.integrations.kinds import content_types
    from oms.integrations.models import IntegrationAction
    from oms.integrations.services.pending import refresh_pending

    kind = content_types()["product"]
    for start in range(0, len(product_ids), CHUNK):
        chunk = product_ids[start : start + CHUNK]
        versions = dict(Product.objects.filter(pk__in=chunk).values_list("pk", "modified_date"))
        with transaction.atomic():
            IntegrationAction.objects.bulk_create(
                [
                    IntegrationAction(
                        channel_id=1,
                        content_type=kind,
                        object_id=pk,
                        remote_id=f"R-{pk}",
                        version_date=versions[pk],
                        delivered_version=versions[pk],
                    )
                    for pk in chunk
                ]
            )
            refresh_pending(channel_id=1, product_ids=chunk)  # as a done batch does, after its links
    _analyze(connection)


def change(product_ids: list[int]) -> None:
    from django.db import connection
    from django.db.models import F

    from oms.catalog.models import Product

    Product.objects.filter(pk__in=product_ids).update(modified_date=F("modified_date") + timedelta(seconds=5))
    _analyze(connection)


def _analyze(connection) -> None:
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


# --- the reads ----------------------------------------------------------------------------------------


def measure_inserts(token: str, url: str, product_ids: list[int], repeat: int) -> dict:
    from oms.core.pagination import encode_cursor

    count = len(product_ids)
    reads = {
        "inserts/ page 1 (page=1&limit=100, with count)": measure(
            token, url, {"page": "1", "limit": "100", "product_type": "0"}, repeat
        )
    }
    for page in (1, count // 200, count // 100):
        after = product_ids[(page - 1) * 100 - 1] if page > 1 else None
        cursor = encode_cursor(sort="id", value=after, pk=after) if after else ""
        reads[f"inserts/ page {page:,} (cursor, limit=100)"] = measure(
            token, url, {"cursor": cursor, "limit": "100"}, repeat
        )
    return reads


def measure(token: str, path: str, params: dict, repeat: int) -> dict:
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    latencies, slowest = [], []
    for attempt in range(repeat + 3):
        timings: list[float] = []
        with connection.execute_wrapper(_timed(timings)):
            began = time.perf_counter()
            response = client.get(path, params)
            elapsed = time.perf_counter() - began
        assert response.status_code == 200, response.content[:500]
        rows = len(response.json()["results"])
        assert rows, (path, params)
        if attempt >= 3:
            latencies.append(elapsed * 1000)
            slowest.append(max(timings) * 1000)
    result = {
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(statistics.quantiles(latencies, n=20)[-1], 1),
        "slowest_query_p50_ms": round(statistics.median(slowest), 2),
        "rows": rows,
    }
    log(f"  {path} {params}: {result}")
    return result


if __name__ == "__main__":
    sys.exit(main())
