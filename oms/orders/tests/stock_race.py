"""The stock race both concurrency tests run (threads on PostgreSQL, gunicorn on a SQLite file):
a rejecting channel, one product with 10 units that half the orders want, and 5 products every
order takes in its own shuffled order (so concurrent orders lock rows in different request
orders). Run in-process or through `oms shell -c` against a server's database."""

from __future__ import annotations

import random
from collections import Counter

from oms.catalog.models import Product, ProductStock
from oms.channels.models import Channel
from oms.orders.tests.payloads import minimal_body

CONTESTED_UNITS = 10
SHUFFLED = 5
SHUFFLED_SKUS = [f"RACE-{n}" for n in range(SHUFFLED)]


def set_up_race() -> None:
    """Channel 1 rejects; product 1 has 10 units in stock list 1, the 5 race products plenty."""
    Channel.objects.filter(pk=1).update(stock_policy=Channel.StockPolicy.REJECT)
    ProductStock.objects.filter(stock_list_id=1).update(sold_quantity_unreported=0)
    ProductStock.objects.filter(stock_list_id=1, product_id=1).update(stock=CONTESTED_UNITS)
    for sku in SHUFFLED_SKUS:
        product, _ = Product.objects.get_or_create(sku=sku, defaults={"name": sku})
        ProductStock.objects.update_or_create(stock_list_id=1, product=product, defaults={"stock": 10_000})


def race_bodies(count: int, prefix: str = "RACE") -> list[dict]:
    """`count` orders; the even ones also want one unit of the contested product, first or last."""
    products = list(Product.objects.filter(sku__in=SHUFFLED_SKUS).values_list("pk", flat=True))
    bodies = []
    for n in range(count):
        chosen = random.Random(n).sample(products, len(products))
        if n % 2 == 0:
            chosen = [1, *chosen] if n % 4 == 0 else [*chosen, 1]
        body = minimal_body(f"{prefix}-{n}", amount=f"{10 * len(chosen)}.00")
        body["order_item"] = [{"product": pk, "price": "10.00"} for pk in chosen]
        bodies.append(body)
    return bodies


def units_of(bodies: list[dict]) -> dict[int, int]:
    """Units per product of these orders (one per item row)."""
    return dict(Counter(item["product"] for body in bodies for item in body["order_item"]))


def reserved() -> dict[int, int]:
    """Units reserved per product in stock list 1, for the products with any."""
    rows = ProductStock.objects.filter(stock_list_id=1, sold_quantity_unreported__gt=0)
    return dict(rows.values_list("product_id", "sold_quantity_unreported"))
