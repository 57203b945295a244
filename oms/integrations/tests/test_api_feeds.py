"""The catalog feeds through HTTP: channel/{id}/products/, product_prices/, product_stocks/ and
their inserts/updates/deleted lists, with "sent" tracked by the batch requests channel-app
drives; and catalogs/{id}/products/, which decides what a channel sells."""

from __future__ import annotations

import pytest

from conftest import ApiClient
from oms.catalog.models import PriceList, Product, ProductPrice, ProductStock, StockList
from oms.channels.models import Channel
from oms.core.errors import ValidationFailed
from oms.integrations.models import (
    Catalog,
    CatalogItem,
    CategoryTree,
    ChannelConf,
    IntegrationAction,
    ProductCategory,
)
from oms.integrations.services.categories import create_category_node
from oms.integrations.tests.given import delete, patch
from oms.orders.tests.payloads import minimal_body

pytestmark = pytest.mark.django_db
CH = "/api/v1/channel/1/"


@pytest.fixture
def catalog(demo):
    """Channel 1's catalog: products 1 and 2 (product 3 is not sold on the channel)."""
    catalog = Catalog.objects.create(
        channel_id=1,
        name="Web",
        price_list=PriceList.objects.get(pk=1),
        stock_list=StockList.objects.get(pk=1),
    )
    CatalogItem.objects.bulk_create([CatalogItem(catalog=catalog, product_id=pk) for pk in (1, 2)])
    return catalog


def pks(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["pk"] for row in response.json()["results"]]


def ch(channel: int) -> str:
    return f"/api/v1/channel/{channel}/"


def open_batch(api, channel: int = 1) -> int:
    return api.post(
        ch(channel) + "batch_requests/", {"channel": str(channel), "content_type": "product"}
    ).json()["pk"]


def commit(api, batch: int, rows: list[dict], kind: str = "product", channel: int = 1):
    """channel-app's create_batch_objects of what a feed answered, then the commit."""
    objects = [
        {
            "pk": row["pk"],
            "failed_reason_type": None,
            "remote_id": None,
            "version_date": row["modified_date"],
            "content_type": kind,
        }
        for row in rows
    ]
    return patch(
        api,
        f"{ch(channel)}batch_requests/{batch}/",
        {"channel": str(channel), "objects": objects, "status": "commit"},
    )


def finish(
    api,
    batch: int,
    status: str,
    remote_ids: dict[int, str] | None = None,
    kind: str = "product",
    channel: int = 1,
):
    objects = [
        {
            "pk": pk,
            "failed_reason_type": None,
            "remote_id": remote_id,
            "version_date": None,
            "content_type": kind,
        }
        for pk, remote_id in (remote_ids or {}).items()
    ]
    response = patch(
        api,
        f"{ch(channel)}batch_requests/{batch}/",
        {"channel": str(channel), "objects": objects, "status": status},
    )
    assert response.status_code == 200, response.content


def send(api, feed: str, *, status: str = "done", kind: str = "product", channel: int = 1) -> list[int]:
    """One run of channel-app over `feed`: its first page committed, then ended as `status`."""
    rows = api.get(ch(channel) + feed, limit=100).json()["results"]
    batch = open_batch(api, channel)
    assert commit(api, batch, rows, kind, channel).status_code == 200
    remote_ids = {row["pk"]: f"R-{row['pk']}" for row in rows} if status == "done" else {}
    finish(api, batch, status, remote_ids, kind, channel)
    return [row["pk"] for row in rows]


def touch_product(pk: int) -> None:
    product = Product.objects.get(pk=pk)
    product.name += " (new)"
    product.save()


def test_inserts_are_the_catalog_products_never_sent_and_a_done_batch_takes_them_out(api, catalog):
    # Given channel 1's catalog of products 1 and 2
    # When channel-app reads the feeds
    # Then inserts/ holds both, nothing else, and nothing is an update yet
    assert pks(api.get(CH + "products/inserts/", product_type=0, limit=100)) == [1, 2]
    assert pks(api.get(CH + "products/")) == [1, 2]
    assert pks(api.get(CH + "products/updates/")) == []
    assert pks(api.get(CH + "products/inserts_or_updates/")) == [1, 2]

    # When a run commits them: they are in flight, handed out by no list
    batch = open_batch(api)
    commit(api, batch, api.get(CH + "products/inserts/").json()["results"])
    assert pks(api.get(CH + "products/inserts/")) == []
    assert pks(api.get(CH + "products/inserts_or_updates/")) == []

    # When the run ends done with the channel's ids: sent, and up to date
    finish(api, batch, "done", {1: "R-1", 2: "R-2"})
    assert pks(api.get(CH + "products/inserts/")) == []
    assert pks(api.get(CH + "products/updates/")) == []

    # When product 1 changes: it is an update, once
    touch_product(1)
    assert pks(api.get(CH + "products/updates/")) == [1]
    assert pks(api.get(CH + "products/inserts_or_updates/")) == [1]
    assert send(api, "products/updates/") == [1]
    assert pks(api.get(CH + "products/updates/")) == []


def test_objects_of_a_failed_batch_come_back(api, catalog):
    # Given a first run whose batch fails
    assert send(api, "products/inserts/", status="fail") == [1, 2]
    # Then both products are inserts again, not updates
    assert pks(api.get(CH + "products/inserts/")) == [1, 2]
    assert pks(api.get(CH + "products/updates/")) == []

    # Given both sent, product 2 changed, and the update run failing
    send(api, "products/inserts/")
    touch_product(2)
    assert send(api, "products/updates/", status="fail") == [2]
    # Then product 2 is an update again
    assert pks(api.get(CH + "products/updates/")) == [2]
    assert pks(api.get(CH + "products/inserts/")) == []


def test_a_batch_cannot_take_objects_another_open_batch_holds(api, catalog):
    # Given two runs that read inserts/ at the same time, and the first committed
    rows = api.get(CH + "products/inserts/").json()["results"]
    first, second = open_batch(api), open_batch(api)
    assert commit(api, first, rows).status_code == 200

    # When the second commits the same products
    refused = commit(api, second, rows[1:])

    # Then it is refused, naming the object, and the first batch keeps it
    assert refused.status_code == 409
    assert [(e["path"], e["code"]) for e in refused.json()["errors"]] == [("objects.0.pk", "in_use")]
    assert set(IntegrationAction.objects.values_list("batch_request_id", flat=True)) == {first}

    # When the first fails, the second may take them
    finish(api, first, "fail")
    assert commit(api, second, rows).status_code == 200


def test_a_product_taken_out_of_the_catalog_is_reported_deleted_until_unlinked(api, catalog, key_for):
    # Given both products sent to the channel
    send(api, "products/inserts/")
    catalog_api = type(api)(key_for(shared=True))
    item = CatalogItem.objects.get(catalog=catalog, product_id=2)

    # When product 2 leaves the catalog
    assert catalog_api.delete(f"/api/v1/catalogs/{catalog.pk}/products/{item.pk}/").status_code == 204

    # Then channel-app's deleted lookup finds its link, and the channel's products no longer hold it
    deleted = api.get(CH + "integration_actions/deleted/", model="product", channel_id=1, limit=100)
    assert [(row["object_id"], row["remote_id"]) for row in deleted.json()["results"]] == [(2, "R-2")]
    assert pks(api.get(CH + "products/deleted/")) == [2]
    assert pks(api.get(CH + "products/updates/")) == []
    assert pks(api.get(CH + "products/inserts_or_updates/")) == []
    # And the product is still found by id until it is deleted from the channel (channel-app reads its sku)
    assert pks(api.get(CH + "products/", pk__in="1,2,3")) == [1, 2]

    # When channel-app deletes the link after the channel removed the product
    link = deleted.json()["results"][0]["pk"]
    assert delete(api, f"{CH}integration_actions/{link}/").status_code == 204
    # Then it is not reported again, and the channel no longer has it
    assert pks(api.get(CH + "integration_actions/deleted/", model="product")) == []
    assert pks(api.get(CH + "products/")) == [1]


def test_price_and_stock_feeds_hand_out_catalog_rows_of_products_the_channel_has(api, catalog):
    # Given the catalog's products, none sent yet
    price_1 = ProductPrice.objects.get(price_list_id=1, product_id=1)
    stock_1 = ProductStock.objects.get(stock_list_id=1, product_id=1)
    # Then no price or stock is an insert: the channel has no product to price
    assert pks(api.get(CH + "product_prices/inserts/")) == []
    assert pks(api.get(CH + "product_stocks/inserts/")) == []

    # When product 1 alone is sent
    batch = open_batch(api)
    commit(api, batch, api.get(CH + "products/inserts/").json()["results"][:1])
    finish(api, batch, "done", {1: "R-1"})

    # Then its price and stock are inserts, read as channel-app reads them
    assert pks(api.get(CH + "product_prices/inserts/")) == [price_1.pk]
    stocks = api.get(CH + "product_stocks/inserts/").json()["results"]
    assert [(row["pk"], row["product"], row["stock_list"]) for row in stocks] == [(stock_1.pk, 1, 1)]
    stock_1.refresh_from_db()  # the demo's orders hold reservations on it
    assert (stocks[0]["stock"], stocks[0]["sold_quantity_unreported"], stocks[0]["adjusted_stock"]) == (
        stock_1.stock,
        stock_1.sold_quantity_unreported,
        stock_1.stock - stock_1.sold_quantity_unreported,
    )
    prices = api.get(CH + "product_prices/", product__pk__in="1,2,3", price_list=1).json()["results"]
    assert [(row["product"], row["price_list"]) for row in prices] == [(1, 1), (2, 1), (3, 1)]
    assert (
        api.get(CH + "product_stocks/", pk__in=str(stock_1.pk), limit=1).json()["results"][0]["pk"]
        == stock_1.pk
    )

    # When they are sent, then the stock changes
    assert send(api, "product_prices/inserts/", kind="productprice") == [price_1.pk]
    assert send(api, "product_stocks/inserts/", kind="productstock") == [stock_1.pk]
    assert pks(api.get(CH + "product_stocks/updates/")) == []
    stock_1.stock = 3
    stock_1.save()
    # Then only that stock row is an update, with the new figure
    updates = api.get(CH + "product_stocks/updates/").json()["results"]
    assert [(row["pk"], row["stock"], row["adjusted_stock"]) for row in updates] == [
        (stock_1.pk, 3, 3 - stock_1.sold_quantity_unreported)
    ]
    assert pks(api.get(CH + "product_prices/updates/")) == []


def test_detailed_and_mapped_products(api, catalog):
    # Given the catalog's products
    # When channel-app reads the detailed list and a product's mapped attributes
    detailed = api.get(CH + "products/detailed/", pk=1).json()["results"][0]
    mapped = api.get(CH + "mapped_products/1/")
    # Then the product comes with its catalog price and stock, and its attributes
    assert detailed["productprice"]["price_list"] == 1
    assert detailed["productstock"]["stock_list"] == 1
    assert mapped.status_code == 200
    assert mapped.json()["attribute_set_id"] is None
    # And a product outside the catalog has no mapping
    assert api.get(CH + "mapped_products/3/").status_code == 404


def test_another_channels_feeds_and_catalog_are_not_found(api, catalog, key_for):
    # Given a catalog of channel 2 and the demo key (granted channel 1 only)
    other = Catalog.objects.create(
        channel_id=2,
        name="Market",
        price_list=PriceList.objects.get(pk=2),
        stock_list=StockList.objects.get(pk=2),
    )
    # When it asks for channel 2's feeds and catalog
    # Then each is 404, as if it did not exist
    for path in (
        "products/inserts/",
        "products/",
        "product_prices/updates/",
        "product_stocks/",
        "mapped_products/1/",
    ):
        assert api.get(f"/api/v1/channel/2/{path}").status_code == 404, path
    assert api.get(f"/api/v1/catalogs/{other.pk}/products/").status_code == 404
    assert api.get(f"/api/v1/catalogs/{catalog.pk}/products/").status_code == 200
    # And channel 2's key sees only its own (empty) catalog
    assert pks(type(api)(key_for(2)).get("/api/v1/channel/2/products/inserts/")) == []


def test_feeds_page_by_keyset_cursor_and_by_page(api, catalog):
    # Given 25 more catalog products
    extra = Product.objects.bulk_create([Product(sku=f"P-{n}", name=f"P {n}") for n in range(25)])
    CatalogItem.objects.bulk_create([CatalogItem(catalog=catalog, product=product) for product in extra])
    expected = [1, 2, *(product.pk for product in extra)]

    # When inserts/ is walked by cursor, 10 at a time
    seen, url = [], CH + "products/inserts/?cursor=&limit=10"
    while url:
        page = api.client.get(url, **api.auth).json()
        assert "count" not in page
        seen += [row["pk"] for row in page["results"]]
        url = page["next"]
    # Then every product comes once, in id order
    assert seen == expected
    # And by page number the count is exact
    page_2 = api.get(CH + "products/inserts/", page=2, limit=10).json()
    assert page_2["count"] == 27
    assert [row["pk"] for row in page_2["results"]] == expected[10:20]


def test_bad_feed_parameters_are_400_naming_them(api, catalog):
    # When channel-app's parameters are wrong
    response = api.get(CH + "products/inserts/", product_type=1, limit=0, pk__in="x")
    # Then each is named
    assert response.status_code == 400
    assert {error["path"] for error in response.json()["errors"]} == {"product_type", "limit", "pk__in"}


def test_catalog_products_are_managed_with_the_shared_grant(api, catalog, key_for):
    # Given the catalog team's key
    team = type(api)(key_for(shared=True))
    path = f"/api/v1/catalogs/{catalog.pk}/products/"

    # When it adds product 3 by sku, twice
    first = team.post(path, {"sku": "DEMO-CAP"})
    again = team.post(path, {"product": 3})

    # Then the product is in the catalog once, and in the channel's inserts
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["pk"] == again.json()["pk"]
    assert (first.json()["product"], first.json()["sku"], first.json()["catalog"]) == (
        3,
        "DEMO-CAP",
        catalog.pk,
    )
    assert pks(api.get(CH + "products/inserts/")) == [1, 2, 3]
    assert [row["product"] for row in api.get(path, sku="DEMO-CAP").json()["results"]] == [3]

    # And bad bodies are 400 naming the field, writing nothing; the channel's own key may not write
    assert team.post(path, {"sku": "NOPE"}).json()["errors"][0]["path"] == "sku"
    assert team.post(path, {}).json()["errors"][0]["path"] == "product"
    assert team.post(path, {"product": "x"}).status_code == 400
    assert api.post(path, {"product": 3}).status_code == 403
    assert CatalogItem.objects.filter(catalog=catalog).count() == 3
    assert Channel.objects.count() == 2


def test_categories_as_channel_app_reads_them(api, catalog):
    # Given a tree the channel's configuration names, and products 1 (sold) and 3 (not) placed in it
    tree = CategoryTree.objects.create(name="Marketplace")
    root = create_category_node(tree=tree, parent=None, name="All")
    shirts = create_category_node(tree=tree, parent=root, name="Shirts")
    mugs = create_category_node(tree=tree, parent=root, name="Mugs")
    ProductCategory.objects.bulk_create(
        [ProductCategory(product_id=1, category=shirts), ProductCategory(product_id=3, category=mugs)]
    )
    ChannelConf.objects.create(channel_id=1, category_tree=tree)

    # When channel-app reads the channel, its tree and a product's categories
    channel = api.get("/api/v1/channels/1/").json()
    tree_answer = api.get(f"{CH}category_trees/{channel['category_tree']}/").json()
    detailed = api.get(CH + "product_categories/detailed/", product=1).json()["results"]

    # Then the nodes are numbered under the root's path, and the product's category comes whole
    assert (root.path, shirts.path, mugs.path) == ("0001", "00010001", "00010002")
    assert tree_answer["category_root"]["path"] == "0001"
    assert [(row["product"], row["category"]["name"], row["category"]["path"]) for row in detailed] == [
        (1, "Shirts", "00010001")
    ]
    # And a product the channel does not sell has no categories in it
    assert api.get(CH + "product_categories/", product=3).json()["results"] == []
    assert pks(api.get(CH + "category_nodes/", path__startswith="0001", sort="id")) == [
        root.pk,
        shirts.pk,
        mugs.pk,
    ]
    # And a channel without a tree says so
    assert api.get("/api/v1/channels/2/").status_code == 404  # not granted
    ChannelConf.objects.filter(channel_id=1).update(category_tree=None)
    assert api.get("/api/v1/channels/1/").json()["category_tree"] is None


def test_a_node_of_another_trees_parent_is_refused(demo):
    # Given two trees
    first, second = CategoryTree.objects.create(name="A"), CategoryTree.objects.create(name="B")
    root = create_category_node(tree=first, parent=None, name="All")
    # When a node of the second is placed under the first's root
    with pytest.raises(ValidationFailed) as refused:
        create_category_node(tree=second, parent=root, name="Stray")
    # Then it is refused, naming the parent
    assert refused.value.problems[0].path == "parent"


def test_a_sale_on_one_channel_reaches_another_that_sells_from_its_stock_list(api, catalog, key_for):
    # Given channel 2 (a marketplace) selling product 1 from channel 1's stock list, which it
    # names in its catalog and its stock_list setting, and product 1's stock sent to it
    marketplace = ApiClient(key_for(2))
    Channel.objects.filter(pk=2).update(stock_list_id=1)
    theirs = Catalog.objects.create(
        channel_id=2,
        name="Marketplace",
        price_list=PriceList.objects.filter(channel_id=2).first(),
        stock_list=StockList.objects.get(pk=1),
    )
    CatalogItem.objects.create(catalog=theirs, product_id=1)
    assert send(marketplace, "products/inserts/", channel=2) == [1]
    row = ProductStock.objects.get(stock_list_id=1, product_id=1)
    assert send(marketplace, "product_stocks/inserts/", kind="productstock", channel=2) == [row.pk]
    assert pks(marketplace.get(ch(2) + "product_stocks/updates/")) == []
    # When the web store (channel 1) sells one unit
    assert api.create_order(minimal_body("FEED-SALE-1")).status_code == 201
    # Then the marketplace's next stock run has the row, one unit fewer to sell
    [update] = marketplace.get(ch(2) + "product_stocks/updates/").json()["results"]
    row.refresh_from_db()
    assert (update["pk"], update["adjusted_stock"]) == (row.pk, row.stock - row.sold_quantity_unreported)
    assert update["sold_quantity_unreported"] == row.sold_quantity_unreported > 0
