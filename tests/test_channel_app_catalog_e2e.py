"""End to end: channel-app's own product, price and stock services (0.0.161, on omnisdk
0.0.103, unchanged) send the shop's catalog to a marketplace through oms's feeds.

As the order pipeline's end-to-end test: oms serves the test database on a live port, channel-app
runs in this process configured through its environment, with the channel side in
tests/channel_app_side (its catalog commands write to an in-memory marketplace catalog, which
answers row by row). Each run is a service call as a worker makes it; between runs the test
changes the shop's data through oms's API, and checks what reached the marketplace.
"""

from __future__ import annotations

import gc
from decimal import Decimal
from types import SimpleNamespace

import pytest

from oms.access.services import clear_key_cache, create_api_key
from oms.catalog.models import PriceList, ProductPrice, ProductStock, StockList
from oms.channels.models import Channel
from oms.demo import load_demo
from oms.integrations.models import (
    BatchRequest,
    Catalog,
    CatalogItem,
    CategoryTree,
    ChannelConf,
    ErrorReport,
    IntegrationAction,
    ProductCategory,
)
from oms.integrations.services.categories import create_category_node
from oms.orders.tests.payloads import minimal_body
from tests.channel_app_side.catalog import CATALOG
from tests.channel_app_side.live import Api, import_channel_app_settings, point_channel_app, user_with_key

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CHANNEL = 2
SKUS = ["DEMO-TSHIRT-M", "DEMO-MUG", "DEMO-CAP"]


@pytest.fixture(scope="module")
def channel_app_settings(redis_port):
    return import_channel_app_settings(redis_port, CHANNEL)


@pytest.fixture
def shop(live_server, channel_app_settings, redis_port, monkeypatch, settings):
    """The demo data; channel 2's catalog selling products 1-3 (priced and stocked in channel 2's
    lists), placed in the categories of the channel's tree; channel-app's user granted channel 2;
    the catalog team's key for the changes."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_demo()
    channel = Channel.objects.get(pk=CHANNEL)
    user_with_key(channel)
    catalog = Catalog.objects.create(
        channel=channel,
        name="Marketplace catalog",
        price_list=PriceList.objects.get(channel=channel),
        stock_list=StockList.objects.get(channel=channel),
    )
    CatalogItem.objects.bulk_create([CatalogItem(catalog=catalog, product_id=pk) for pk in (1, 2, 3)])
    tree = CategoryTree.objects.create(name="Marketplace")
    root = create_category_node(tree=tree, parent=None, name="All")
    apparel, home = (create_category_node(tree=tree, parent=root, name=name) for name in ("Apparel", "Home"))
    ProductCategory.objects.bulk_create(
        [ProductCategory(product_id=1, category=apparel)]
        + [ProductCategory(product_id=pk, category=home) for pk in (2, 3)]
    )
    ChannelConf.objects.create(channel=channel, conf={}, category_tree=tree)
    team = Api(live_server.url, create_api_key(name="catalog team", shared=True)[1])
    point_channel_app(
        monkeypatch, live_server, channel_app_settings, catalog=catalog.pk, redis_port=redis_port
    )
    CATALOG.reset()
    yield SimpleNamespace(catalog=catalog, team=team, url=live_server.url)
    team.session.close()
    gc.collect()


def products():
    from channel_app.app.product.service import ProductService

    return ProductService()


def prices():
    from channel_app.app.product_price.service import PriceService

    return PriceService()


def stocks():
    from channel_app.app.product_stock.service import StockService

    return StockService()


def _failures() -> list[str]:
    return [f"{r.error_code}: {r.raw_response[:300]}" for r in ErrorReport.objects.filter(is_ok=False)]


def _writes() -> list[tuple[str, str]]:
    """What the marketplace received since the last call."""
    writes = list(CATALOG.writes)
    CATALOG.writes.clear()
    return writes


def _sync_everything() -> None:
    """One round of the catalog jobs a worker schedules."""
    products().insert_products()
    products().update_products()
    products().delete_products()
    prices().update_product_prices()
    stocks().update_product_stocks()


def test_the_catalog_reaches_the_marketplace_and_then_only_what_changes(shop):
    # Given a catalog of three products the marketplace has never seen
    # When channel-app's product service inserts them
    products().insert_products()

    # Then the marketplace lists each with its price and stock, and the run's batch is done
    assert _failures() == []
    assert sorted(_writes()) == sorted(("insert", sku) for sku in SKUS)
    listings = CATALOG.by_sku()
    assert {sku: (listings[sku]["price"], listings[sku]["stock"]) for sku in SKUS} == dict.fromkeys(
        SKUS, (Decimal("100.00"), 100)
    )
    assert [listings[sku]["category"] for sku in SKUS] == ["Apparel", "Home", "Home"]
    batch = BatchRequest.objects.filter(channel_id=CHANNEL, content_type__model="product").latest("pk")
    assert batch.status == BatchRequest.Status.DONE
    links = IntegrationAction.objects.filter(channel_id=CHANNEL, batch_request=batch)
    assert sorted(links.values_list("content_type__model", "remote_id")) == sorted(
        (kind, f"MP-{sku}") for kind in ("product", "productprice", "productstock") for sku in SKUS
    )

    # When every job runs again
    _sync_everything()
    # Then nothing is sent: the marketplace has it all
    assert _failures() == []
    assert _writes() == []

    # When the mug's price and the cap's stock change, and the T-shirt is renamed
    price = ProductPrice.objects.get(price_list__channel_id=CHANNEL, product_id=2)
    stock = ProductStock.objects.get(stock_list__channel_id=CHANNEL, product_id=3)
    shop.team.send("PATCH", f"price_lists/{price.price_list_id}/prices/{price.pk}/", price="79.90")
    shop.team.send("PATCH", f"stock_lists/{stock.stock_list_id}/stocks/{stock.pk}/", stock=7)
    shop.team.send("PATCH", "products/1/", name="Demo T-shirt, M (organic)")
    _sync_everything()

    # Then exactly those travel, once
    assert _failures() == []
    assert sorted(_writes()) == [("price", "DEMO-MUG"), ("stock", "DEMO-CAP"), ("update", "DEMO-TSHIRT-M")]
    listings = CATALOG.by_sku()
    assert (listings["DEMO-MUG"]["price"], listings["DEMO-CAP"]["stock"]) == (Decimal("79.90"), 7)
    assert listings["DEMO-TSHIRT-M"]["name"] == "Demo T-shirt, M (organic)"
    _sync_everything()
    assert _writes() == []

    # When the web store (channel 1), which sells from the marketplace's stock list too, sells 2 mugs
    marketplace_list = shop.catalog.stock_list_id
    web_store = Api(shop.url, create_api_key(name="web store", channels=Channel.objects.filter(pk=1))[1])
    Channel.objects.filter(pk=1).update(stock_list_id=marketplace_list)
    clear_key_cache()
    sale = minimal_body("WEB-SALE-1", amount="20.00")
    sale["order_item"] = [{"product": 2, "price": "10.00"}, {"product": 2, "price": "10.00"}]
    web_store.post("channel/1/create_orders/", **sale)
    _sync_everything()
    # Then the marketplace's next stock run has the mug with 2 fewer units to sell, and only it
    assert _failures() == []
    assert _writes() == [("stock", "DEMO-MUG")]
    mug = ProductStock.objects.get(stock_list_id=marketplace_list, product_id=2)
    assert CATALOG.by_sku()["DEMO-MUG"]["stock"] == mug.stock - mug.sold_quantity_unreported == 98


def test_a_refused_stock_is_sent_again_and_a_product_out_of_the_catalog_is_deleted(shop):
    # Given the catalog on the marketplace
    products().insert_products()
    _writes()

    # When the cap's stock changes and the marketplace refuses that write
    stock = ProductStock.objects.get(stock_list__channel_id=CHANNEL, product_id=3)
    shop.team.send("PATCH", f"stock_lists/{stock.stock_list_id}/stocks/{stock.pk}/", stock=4)
    CATALOG.refuse.add("DEMO-CAP")
    stocks().update_product_stocks()

    # Then the marketplace still has the old figure, channel-app reported the refusal, and oms
    # knows the row was not delivered
    assert CATALOG.by_sku()["DEMO-CAP"]["stock"] == 100
    (refusal,) = _failures()
    assert refusal.endswith("Listing locked, retry later")
    ErrorReport.objects.all().delete()
    link = IntegrationAction.objects.get(
        channel_id=CHANNEL, content_type__model="productstock", object_id=stock.pk
    )
    assert link.status == IntegrationAction.Status.ERROR

    # When the stock job runs again
    stocks().update_product_stocks()
    # Then the row is sent again, and arrives
    assert _writes() == [("stock", "DEMO-CAP")]
    assert CATALOG.by_sku()["DEMO-CAP"]["stock"] == 4

    # When the cap leaves the catalog and the delete job runs
    item = CatalogItem.objects.get(catalog=shop.catalog, product_id=3)
    shop.team.send("DELETE", f"catalogs/{shop.catalog.pk}/products/{item.pk}/")
    products().delete_products()

    # Then the marketplace removed its listing, its links are gone, and it is not deleted twice
    assert _failures() == []
    assert _writes() == [("delete", "DEMO-CAP")]
    assert sorted(CATALOG.by_sku()) == ["DEMO-MUG", "DEMO-TSHIRT-M"]
    assert not IntegrationAction.objects.filter(channel_id=CHANNEL, remote_id="MP-DEMO-CAP").exists()
    _sync_everything()
    assert _writes() == []
