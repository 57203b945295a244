"""The catalog flowing out to a channel, as channel-app's product, price and stock services
fetch it: channel/{channel_id}/products/ (+ inserts/, updates/, inserts_or_updates/, deleted/,
detailed/), mapped_products/{pk}/, product_prices/ and product_stocks/ (+ inserts/, updates/);
and the products of a catalog (catalogs/{catalog_id}/products/), which decide what a channel sells.
See oms.integrations.services.feeds for what each feed holds."""

from __future__ import annotations

from oms.catalog.services.grants import require_shared_grant
from oms.core.resources import Resource, Scope
from oms.integrations.api.filters import (
    CATALOG_ITEM_FILTERS,
    CATEGORY_NODE_FILTERS,
    CHANNEL_PRICE_FILTERS,
    CHANNEL_PRODUCT_FILTERS,
    CHANNEL_STOCK_FILTERS,
    FEED_SORTS,
    ID_ONLY_SORTS,
    PRODUCT_CATEGORY_FILTERS,
)
from oms.integrations.api.router import router
from oms.integrations.schemas import CatalogItemIn
from oms.integrations.schemas_feeds import (
    CatalogItemOut,
    CategoryNodeOut,
    CategoryTreeOut,
    ChannelPriceOut,
    ChannelProductOut,
    ChannelStockOut,
    DetailedProductCategoryOut,
    DetailedProductOut,
    MappedProductOut,
    ProductCategoryOut,
)
from oms.integrations.services import catalogs, categories, feeds

SENT = (
    " Sent is tracked by the batch requests that carry the objects: an object in an open batch is"
    " not handed out, one in a batch that ended done leaves the list until it changes, one in a"
    " batch that failed comes back."
)

PRODUCTS = Resource(
    "products",
    ChannelProductOut,
    "channel_product",
    rows=feeds.list_channel_products,
    filters=CHANNEL_PRODUCT_FILTERS,
    sorts=FEED_SORTS,
    summaries={
        "list": "The products the channel sells (in its catalogs), and those it received and has to delete"
    },
)
for suffix, rows, summary in (
    ("inserts/", feeds.list_product_inserts, "Products never sent to the channel."),
    ("updates/", feeds.list_product_updates, "Products changed since the channel received them."),
    ("inserts_or_updates/", feeds.list_product_inserts_or_updates, "Products not sent, or changed since."),
):
    PRODUCTS.sublist(router, suffix, rows, name=f"list_product_{suffix.strip('/')}", summary=summary + SENT)
PRODUCTS.sublist(
    router,
    "deleted/",
    feeds.list_deleted_products,
    name="list_deleted_products",
    summary="Products the channel received that left its catalogs",
)
PRODUCTS.sublist(
    router,
    "detailed/",
    feeds.list_detailed_products,
    name="list_detailed_products",
    out=DetailedProductOut,
    summary="The channel's products with their price and stock in its catalog",
)
PRODUCTS.register(router)

Resource(
    "mapped_products",
    MappedProductOut,
    "mapped_product",
    get=feeds.get_mapped_product,
    summaries={"get": "A product's attributes as the channel receives them"},
).register(router)

for path, noun, what, out, filters, rows, inserts, updates in (
    (
        "product_prices",
        "channel_price",
        "prices",
        ChannelPriceOut,
        CHANNEL_PRICE_FILTERS,
        feeds.list_channel_prices,
        feeds.list_price_inserts,
        feeds.list_price_updates,
    ),
    (
        "product_stocks",
        "channel_stock",
        "stock rows",
        ChannelStockOut,
        CHANNEL_STOCK_FILTERS,
        feeds.list_channel_stocks,
        feeds.list_stock_inserts,
        feeds.list_stock_updates,
    ),
):
    feed = Resource(
        path,
        out,
        noun,
        rows=rows,
        filters=filters,
        sorts=FEED_SORTS,
        summaries={"list": f"The {what} of the channel's lists (filters product__pk__in, pk__in...)"},
    )
    for suffix, feed_rows, summary in (
        ("inserts/", inserts, f"Catalog {what} never sent, of products the channel has."),
        ("updates/", updates, f"Catalog {what} changed since the channel received them."),
    ):
        feed.sublist(
            router, suffix, feed_rows, name=f"list_{path}_{suffix.strip('/')}", summary=summary + SENT
        )
    feed.register(router)

# Categories, as channel-app's product service reads them: the channel's tree (channels/{id}/
# names it), its root's path, and each product's categories with their paths.
Resource.of(
    categories,
    "category_tree",
    CategoryTreeOut,
    "list get",
    filters=CATEGORY_NODE_FILTERS[:2],
    sorts=ID_ONLY_SORTS,
).register(router)
Resource.of(
    categories,
    "category_node",
    CategoryNodeOut,
    "list get",
    filters=CATEGORY_NODE_FILTERS,
    sorts=ID_ONLY_SORTS,
).register(router)
PRODUCT_CATEGORIES = Resource.of(
    categories,
    "product_category",
    ProductCategoryOut,
    "list",
    plural="product_categories",
    filters=PRODUCT_CATEGORY_FILTERS,
    sorts=ID_ONLY_SORTS,
    summaries={"list": "The categories of the products the channel sells"},
)
PRODUCT_CATEGORIES.sublist(
    router,
    "detailed/",
    categories.list_product_categories,
    name="list_detailed_product_categories",
    out=DetailedProductCategoryOut,
    summary="The categories of the channel's products, each with its node (?product=)",
)
PRODUCT_CATEGORIES.register(router)

Resource.of(
    catalogs,
    "catalog_item",
    CatalogItemOut,
    "list get create delete",
    path="products",
    scope=Scope("/catalogs/{catalog_id}", "catalog_id", "catalog", catalogs.get_catalog_for),
    filters=CATALOG_ITEM_FILTERS,
    body=CatalogItemIn,
    guard=require_shared_grant,
    upsert=True,
    description="Writing needs a key with the shared grant.",
    summaries={
        "list": "The products of a catalog: what its channel sells",
        "create": "Add a product to a catalog (200 when it is there already)",
        "delete": "Take a product out of a catalog: the channel's feeds report it deleted",
    },
).register(router)
