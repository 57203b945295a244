"""bulk_upsert of products, prices and stock: validated whole, written in one transaction."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import ApiClient
from oms.catalog.models import Product, ProductPrice, ProductStock

pytestmark = pytest.mark.django_db
PRODUCTS = "/api/v1/products/bulk_upsert/"
PRICES = "/api/v1/price_lists/{}/prices/bulk_upsert/"
STOCKS = "/api/v1/stock_lists/{}/stocks/bulk_upsert/"


@pytest.fixture
def catalog(demo, key_for) -> ApiClient:
    return ApiClient(key_for(shared=True))


def snapshot() -> list[tuple]:
    return [
        list(Product.objects.order_by("pk").values_list("sku", "name", "barcode")),
        list(ProductPrice.objects.order_by("pk").values_list("product", "price")),
        list(ProductStock.objects.order_by("pk").values_list("product", "stock")),
    ]


def test_creates_and_updates_products_by_sku(catalog):
    # Given one existing sku (DEMO-MUG) and two new ones
    rows = [
        {"sku": "NEW-1", "name": "New one"},
        {"sku": "DEMO-MUG", "barcode": "123"},
        {"sku": "NEW-2", "name": "New two", "attributes": {"size": "L"}},
    ]
    # When they are upserted
    response = catalog.post(PRODUCTS, {"rows": rows})
    # Then each row says what happened, and the existing product kept what the row did not send
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["summary"] == {"created": 2, "updated": 1, "rejected": 0}
    assert [(r["index"], r["status"], r["sku"]) for r in body["results"]] == [
        (0, "created", "NEW-1"),
        (1, "updated", "DEMO-MUG"),
        (2, "created", "NEW-2"),
    ]
    mug = Product.objects.get(sku="DEMO-MUG")
    assert (mug.name, mug.barcode, body["results"][1]["pk"]) == ("Demo mug", "123", mug.pk)
    assert Product.objects.get(pk=body["results"][2]["pk"]).attributes == {"size": "L"}


def test_a_bad_row_writes_nothing_and_is_named_under_reject_everything(catalog):
    # Given three price rows, the third with a negative price and the second for an unknown sku
    before = snapshot()
    rows = [
        {"sku": "DEMO-MUG", "price": "10.00"},
        {"sku": "NOPE", "price": "1.00"},
        {"sku": "DEMO-CAP", "price": "-5"},
    ]
    # When they are upserted with the default policy
    response = catalog.post(PRICES.format(1), {"rows": rows})
    # Then the bad rows are named by index and field, and nothing was written
    assert response.status_code == 400
    body = response.json()
    assert [(e["path"], e["code"]) for e in body["errors"]] == [
        ("rows.1.sku", "not_found"),
        ("rows.2.price", "out_of_range"),
    ]
    assert [(r["index"], r["status"], len(r["errors"])) for r in body["results"]] == [
        (0, "rejected", 0),
        (1, "rejected", 1),
        (2, "rejected", 1),
    ]
    assert body["summary"] == {"created": 0, "updated": 0, "rejected": 3}
    assert body["detail"] == "2 of 3 rows failed; nothing was written."
    assert snapshot() == before


def test_reject_failed_writes_the_good_rows_and_reports_the_bad(catalog):
    # Given a good stock row and a bad one
    rows = [{"sku": "DEMO-MUG", "quantity": 3}, {"sku": "DEMO-CAP", "quantity": "many"}]
    # When they are upserted under the reject_failed policy
    response = catalog.post(STOCKS.format(1), {"rows": rows, "error_policy": "reject_failed"})
    # Then the good row is written and the bad one reported
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["summary"] == {"created": 0, "updated": 1, "rejected": 1}
    assert body["results"][1]["errors"][0]["path"] == "rows.1.quantity"
    assert ProductStock.objects.get(stock_list=1, product__sku="DEMO-MUG").stock == 3
    assert ProductStock.objects.get(stock_list=1, product__sku="DEMO-CAP").stock == 100


def test_a_key_repeated_in_the_request_is_refused(catalog):
    # Given two rows for the same product, one by sku and one by id
    rows = [{"sku": "DEMO-MUG", "price": "1"}, {"product": 2, "price": "2"}]
    # When they are upserted
    response = catalog.post(PRICES.format(1), {"rows": rows})
    # Then the second is named as a repeat of the first
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"path": "rows.1.product", "code": "duplicate", "message": "Row 0 already has product 2."}
    ]


def test_a_new_row_must_carry_what_a_create_needs(catalog):
    # Given a new sku without a name, and a stock row for an unstocked product without quantity
    Product.objects.create(sku="UNSTOCKED", name="Unstocked")
    # When they are upserted
    products = catalog.post(PRODUCTS, {"rows": [{"sku": "NEW", "barcode": "1"}]})
    stocks = catalog.post(STOCKS.format(1), {"rows": [{"sku": "UNSTOCKED"}]})
    # Then the missing fields are named
    assert [(e["path"], e["code"]) for e in products.json()["errors"]] == [("rows.0.name", "required")]
    assert [(e["path"], e["code"]) for e in stocks.json()["errors"]] == [("rows.0.stock", "required")]


def test_at_most_1000_rows(catalog):
    # Given 1,001 rows
    rows = [{"sku": f"S-{n}", "name": "x"} for n in range(1001)]
    # When they are upserted
    response = catalog.post(PRODUCTS, {"rows": rows})
    # Then the request is refused before any row is read
    assert response.status_code == 400
    assert [(e["path"], e["code"]) for e in response.json()["errors"]] == [("rows", "too_many")]
    assert not Product.objects.filter(sku="S-0").exists()


def test_the_body_must_be_rows_and_a_known_policy(catalog):
    # Given bodies of the wrong shape
    # When they are posted
    as_list = catalog.post(PRODUCTS, [{"sku": "A", "name": "a"}])
    bad_policy = catalog.post(PRODUCTS, {"rows": [], "error_policy": "some"})
    # Then each is a 400 naming the problem
    assert as_list.status_code == 400 and as_list.json()["errors"][0]["code"] == "invalid_type"
    assert [(e["path"], e["code"]) for e in bad_policy.json()["errors"]] == [
        ("error_policy", "invalid_choice")
    ]


def test_prices_by_product_id_and_sku_in_one_request(catalog):
    # Given a new product that price list 2 does not price, and demo product 1 which it does
    scarf = Product.objects.create(sku="SCARF", name="Scarf")
    rows = [
        {"product": scarf.pk, "price": "49.90", "tax_rate": "20"},
        {"sku": "DEMO-TSHIRT-M", "price": "90"},
    ]
    # When they are upserted into price list 2
    response = catalog.post(PRICES.format(2), {"rows": rows})
    # Then one is created and one updated, in list 2 only
    assert response.status_code == 200, response.content
    assert [r["status"] for r in response.json()["results"]] == ["created", "updated"]
    assert ProductPrice.objects.get(price_list=2, product=scarf).price == Decimal("49.90")
    assert ProductPrice.objects.get(price_list=2, product=1).price == Decimal("90.00")
    assert ProductPrice.objects.get(price_list=1, product=1).price == Decimal("100.00")


@pytest.mark.parametrize("endpoint", ["products", "prices", "stocks"])
def test_query_count_does_not_grow_with_the_rows(catalog, endpoint):
    # Given requests of 2 rows and 200 rows, half new and half existing
    def rows(count: int, tag: str) -> list[dict]:
        Product.objects.bulk_create(Product(sku=f"{tag}-{n}", name="x") for n in range(count // 2))
        new = [f"{tag}-new-{n}" for n in range(count - count // 2)]
        if endpoint == "products":
            return [{"sku": f"{tag}-{n}", "name": "y"} for n in range(count // 2)] + [
                {"sku": sku, "name": "n"} for sku in new
            ]
        Product.objects.bulk_create(Product(sku=sku, name="x") for sku in new)
        existing_kind = ProductPrice if endpoint == "prices" else ProductStock
        values = {"price": Decimal("1")} if endpoint == "prices" else {"stock": 1}
        existing_kind.objects.bulk_create(
            existing_kind(product=product, **{f"{endpoint[:-1]}_list_id": 1}, **values)
            for product in Product.objects.filter(sku__startswith=f"{tag}-").exclude(sku__contains="-new-")
        )
        value = {"price": "2"} if endpoint == "prices" else {"quantity": 2}
        return [{"sku": f"{tag}-{n}", **value} for n in range(count // 2)] + [
            {"sku": sku, **value} for sku in new
        ]

    url = {"products": PRODUCTS, "prices": PRICES.format(1), "stocks": STOCKS.format(1)}[endpoint]
    small, large = rows(2, "small"), rows(200, "large")
    catalog.get("/api/v1/products/", limit="1")  # the key is looked up once, then cached
    # When each is upserted
    with CaptureQueriesContext(connection) as few:
        assert catalog.post(url, {"rows": small}).status_code == 200
    with CaptureQueriesContext(connection) as many:
        response = catalog.post(url, {"rows": large})
    # Then both cost the same number of queries
    assert response.status_code == 200 and response.json()["summary"]["created"] == 100
    assert len(many.captured_queries) == len(few.captured_queries)
