"""Prices of a price list and stock of a stock list through HTTP, and the channel's lists."""

from decimal import Decimal

import pytest

from conftest import ApiClient
from oms.catalog.models import Product, ProductPrice, ProductStock

pytestmark = pytest.mark.django_db
PRICES = "/api/v1/price_lists/{}/prices/"
PRICE = "/api/v1/price_lists/{}/prices/{}/"
STOCKS = "/api/v1/stock_lists/{}/stocks/"
STOCK = "/api/v1/stock_lists/{}/stocks/{}/"


@pytest.fixture
def catalog(demo, key_for) -> ApiClient:
    return ApiClient(key_for(shared=True))


@pytest.fixture
def scarf(demo) -> Product:
    return Product.objects.create(sku="SCARF", name="Scarf")


def test_prices_a_product_by_sku(catalog, scarf):
    # Given a product that price list 1 does not price
    # When the catalog team prices it by sku
    response = catalog.post(PRICES.format(1), {"sku": "SCARF", "price": "49.90", "tax_rate": 20})
    # Then the price is stored and answered with exact money
    assert response.status_code == 201, response.content
    price = ProductPrice.objects.get(price_list=1, product=scarf)
    assert (price.price, price.tax_rate, price.retail_price) == (Decimal("49.90"), Decimal("20.00"), None)
    assert '"price":49.90' in response.content.decode()
    assert response.json()["sku"] == "SCARF" and response.json()["product"] == scarf.pk


def test_a_product_the_list_already_prices_is_refused(catalog):
    # Given price list 1, which prices demo product 2
    # When a second price for it is created
    response = catalog.post(PRICES.format(1), {"product": 2, "price": "1.00"})
    # Then it is refused as a duplicate
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "duplicate"
    assert ProductPrice.objects.get(price_list=1, product=2).price == Decimal("100.00")


def test_unknown_products_and_missing_values_are_named(catalog):
    # Given rows naming an unknown product, an unknown sku, a sku that is not the id's, and no price
    # When each is posted
    unknown_id = catalog.post(PRICES.format(1), {"product": 999, "price": "1"})
    unknown_sku = catalog.post(PRICES.format(1), {"sku": "NOPE", "price": "1"})
    mismatch = catalog.post(PRICES.format(1), {"product": 1, "sku": "DEMO-MUG", "price": "1"})
    no_price = catalog.post(PRICES.format(1), {"sku": "DEMO-MUG", "price": "-1"})
    # Then each names its problem
    assert [(e["path"], e["code"]) for e in unknown_id.json()["errors"]] == [("product", "not_found")]
    assert [(e["path"], e["code"]) for e in unknown_sku.json()["errors"]] == [("sku", "not_found")]
    assert [(e["path"], e["code"]) for e in mismatch.json()["errors"]] == [("sku", "mismatch")]
    assert [(e["path"], e["code"]) for e in no_price.json()["errors"]] == [("price", "out_of_range")]


def test_lists_retrieves_changes_and_deletes_prices(catalog):
    # Given price list 1 with the 3 demo prices
    # When they are listed by sku, one is retrieved, patched and then deleted
    listed = catalog.get(PRICES.format(1), sku="DEMO-MUG").json()["results"]
    pk = listed[0]["pk"]
    retrieved = catalog.get(PRICE.format(1, pk))
    patched = catalog.patch(PRICE.format(1, pk), {"price": "89.50", "retail_price": "99.00"})
    changed_product = catalog.patch(PRICE.format(1, pk), {"product": 3})
    deleted = catalog.delete(PRICE.format(1, pk))
    # Then each did what it says
    assert [row["sku"] for row in listed] == ["DEMO-MUG"]
    assert retrieved.json()["price"] == 100.0
    assert patched.status_code == 200 and patched.json()["retail_price"] == 99.0
    assert changed_product.status_code == 400
    assert changed_product.json()["errors"][0]["code"] == "invalid"
    assert deleted.status_code == 204 and not ProductPrice.objects.filter(pk=pk).exists()


def test_a_price_of_another_list_is_not_found_through_this_one(catalog):
    # Given price list 2's price of product 1
    other = ProductPrice.objects.get(price_list=2, product=1)
    # When it is addressed through price list 1
    response = catalog.get(PRICE.format(1, other.pk))
    # Then it is not found
    assert response.status_code == 404


def test_a_channel_key_reads_its_channels_lists_only(api):
    # Given the demo key, granted channel 1 (price and stock lists 1), without the shared grant
    # When it reads lists 1 and 2 and writes to list 1
    own_prices = api.get(PRICES.format(1))
    other_prices = api.get(PRICES.format(2))
    other_stock = api.get(STOCKS.format(2))
    write = api.post(PRICES.format(1), {"sku": "DEMO-MUG", "price": "1"})
    # Then it sees its own, other channels' lists do not exist for it, and it may not write
    assert own_prices.status_code == 200 and own_prices.json()["count"] == 3
    assert (other_prices.status_code, other_stock.status_code) == (404, 404)
    assert write.status_code == 403


def test_stocks_a_product_and_sets_its_quantity(catalog, scarf):
    # Given a product that stock list 1 does not stock
    # When it is stocked, then its quantity set
    created = catalog.post(STOCKS.format(1), {"sku": "SCARF", "quantity": 5})
    pk = created.json()["pk"]
    changed = catalog.put(STOCK.format(1, pk), {"quantity": 7})
    negative = catalog.patch(STOCK.format(1, pk), {"quantity": -1})
    boolean = catalog.patch(STOCK.format(1, pk), {"quantity": True})
    # Then the quantity follows, and nonsense is refused
    assert created.status_code == 201, created.content
    assert changed.json()["stock"] == 7
    assert ProductStock.objects.get(pk=pk).stock == 7
    assert negative.json()["errors"][0]["code"] == "out_of_range"
    assert boolean.json()["errors"][0]["code"] == "invalid_type"
    listed = catalog.get(STOCKS.format(1), product=str(scarf.pk)).json()["results"]
    assert [(row["pk"], row["stock"]) for row in listed] == [(pk, 7)]
    assert catalog.delete(STOCK.format(1, pk)).status_code == 204


def test_channel_price_and_stock_lists_are_the_channels_own(api, key_for):
    # Given price and stock lists 1 (channel 1) and 2 (channel 2)
    # When channel 1's lists are listed and list 2 is retrieved through channel 1
    prices = api.get("/api/v1/channel/1/price_lists/").json()
    stocks = api.get("/api/v1/channel/1/stock_lists/", code__exact="stock-1").json()
    other = api.get("/api/v1/channel/1/price_lists/2/")
    own = api.get("/api/v1/channel/1/stock_lists/1/")
    # Then only channel 1's appear, and list 2 does not exist there
    assert [(row["pk"], row["currency"]) for row in prices["results"]] == [(1, "try")]
    assert [row["pk"] for row in stocks["results"]] == [1] and "currency" not in stocks["results"][0]
    assert other.status_code == 404
    assert own.json()["name"] == "Demo web store stock"
    shared_only = ApiClient(key_for(shared=True)).get("/api/v1/channel/2/price_lists/2/")
    # The shared grant is for catalog writes, not channel data: channel 2 is not found for it
    assert shared_only.status_code == 404


def test_stock_rows_answer_their_figure_reservations_and_what_may_still_be_sold(catalog, scarf):
    # Given a stock row of 9 pieces with 3 units reserved by orders
    created = catalog.post(STOCKS.format(1), {"sku": "SCARF", "stock": 9, "unit_type": "kg"})
    pk = created.json()["pk"]
    ProductStock.objects.filter(pk=pk).update(sold_quantity_unreported=3)
    # When the ERP sends a new figure (under the former name too) and sends both names
    changed = catalog.patch(STOCK.format(1, pk), {"stock": 12})
    former = catalog.patch(STOCK.format(1, pk), {"quantity": 11})
    both = catalog.patch(STOCK.format(1, pk), {"stock": 1, "quantity": 2})
    upserted = catalog.post(STOCKS.format(1) + "bulk_upsert/", {"rows": [{"sku": "SCARF", "stock": 10}]})
    # Then the figure changes, the reservations never, and both names at once are refused
    assert created.status_code == 201, created.content
    assert created.json()["unit_type"] == "kg"
    answered = changed.json()
    assert (answered["stock"], answered["sold_quantity_unreported"], answered["adjusted_stock"]) == (12, 3, 9)
    assert former.json()["stock"] == 11
    assert (both.status_code, both.json()["errors"][0]["path"]) == (400, "quantity")
    assert upserted.status_code == 200, upserted.content
    row = catalog.get(STOCK.format(1, pk)).json()
    assert (row["stock"], row["sold_quantity_unreported"], row["adjusted_stock"]) == (10, 3, 7)
