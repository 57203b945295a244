"""The catalog as a channel receives it (products, prices, stock), in the shapes Omnitron's
channel endpoints answer and channel-app reads; each schema renders its answer."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from oms.catalog.schemas import ProductOut
from oms.core.answers import Answer, DateTimeOut, From, MoneyOut, RowOut, example
from oms.integrations.services.categories import root_of

# Every product is a simple one (Omnitron's product_type 0); channel-app asks for product_type=0.
SIMPLE_PRODUCT = 0


class ChannelProductOut(ProductOut):
    product_type: Annotated[int, From(resolve=lambda product, ctx: SIMPLE_PRODUCT)]


class ChannelPriceOut(RowOut):
    product: Annotated[int, From("product_id")]
    price_list: Annotated[int, From("price_list_id")]
    price: MoneyOut
    retail_price: MoneyOut | None
    tax_rate: MoneyOut
    currency_type: Annotated[str, From("price_list.currency")]
    extra_field: Annotated[dict[str, Any], From(resolve=lambda row, ctx: {})]
    created_date: DateTimeOut
    modified_date: DateTimeOut

    model_config = example(
        12, product=4, price_list=1, price=199.9, retail_price=249.9, tax_rate=20.0, currency_type="try"
    )


class ChannelStockOut(RowOut):
    product: Annotated[int, From("product_id")]
    stock_list: Annotated[int, From("stock_list_id")]
    # The figures a marketplace sells from: adjusted_stock is net of the reservations of orders the
    # ERP has not confirmed (oms/catalog/services/stock.py).
    stock: int
    sold_quantity_unreported: int
    adjusted_stock: int
    unit_type: Literal["qty", "kg"]
    extra_field: Annotated[dict[str, Any], From(resolve=lambda row, ctx: {})]
    created_date: DateTimeOut
    modified_date: DateTimeOut

    model_config = example(
        12, product=4, stock_list=1, stock=25, sold_quantity_unreported=0, adjusted_stock=25, unit_type="qty"
    )


class DetailedProductOut(ChannelProductOut):
    """A product with its price and stock in the channel's catalog (null when it has none)."""

    productprice: Annotated[
        ChannelPriceOut | None, From(resolve=lambda p, ctx: _nested(ChannelPriceOut, p.channel_prices))
    ]
    productstock: Annotated[
        ChannelStockOut | None, From(resolve=lambda p, ctx: _nested(ChannelStockOut, p.channel_stocks))
    ]


def _nested(schema: type[Answer], rows: list[Any]) -> dict[str, Any] | None:
    return schema.render(rows[0]) if rows else None


class MappedProductOut(Answer):
    """A product's attributes as the channel receives them. oms keeps no per-channel attribute
    mapping (attribute sets and their configs): the product's own attributes are sent as they
    are, with no attribute set, so channel-app checks no required channel attributes."""

    pk: int
    mapped_attributes: Annotated[dict[str, Any], From("attributes")]
    attribute_set_id: Annotated[int | None, From(resolve=lambda p, ctx: None)]
    attribute_set_name: Annotated[str | None, From(resolve=lambda p, ctx: None)]
    attribute_set_remote_id: Annotated[str | None, From(resolve=lambda p, ctx: None)]
    mapped_attribute_values: Annotated[dict[str, Any], From(resolve=lambda p, ctx: {})]


class CatalogItemOut(RowOut):
    """A product of a catalog. `item.product` is read (for its sku): select it with the item."""

    catalog: Annotated[int, From("catalog_id")]
    product: Annotated[int, From("product_id")]
    sku: Annotated[str, From("product.sku")]
    created_date: DateTimeOut
    modified_date: DateTimeOut

    model_config = example(7, catalog=1, product=4, sku="TSHIRT-RED-M")


class CategoryNodeOut(RowOut):
    name: str
    path: str
    tree: Annotated[int, From("tree_id")]
    parent: Annotated[int | None, From("parent_id")]
    created_date: DateTimeOut
    modified_date: DateTimeOut

    model_config = example(5, name="T-shirts", path="00010002", tree=1, parent=1)


def _root(tree: Any, ctx: Any) -> dict[str, Any] | None:
    root = root_of(tree)
    return CategoryNodeOut.render(root) if root is not None else None


class CategoryTreeOut(RowOut):
    """A category tree; `category_root["path"]` prefixes the path of every node in it."""

    name: str
    category_root: Annotated[CategoryNodeOut | None, From(resolve=_root)]
    created_date: DateTimeOut
    modified_date: DateTimeOut


class ProductCategoryOut(RowOut):
    product: Annotated[int, From("product_id")]
    category: Annotated[int, From("category_id")]
    created_date: DateTimeOut
    modified_date: DateTimeOut


class DetailedProductCategoryOut(ProductCategoryOut):
    """With its category node whole (channel-app reads `category["path"]`)."""

    category: CategoryNodeOut
