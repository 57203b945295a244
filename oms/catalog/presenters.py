"""Products, list rows and lists as answered on the wire (ProductOut, PriceOut, StockOut, ListOut)."""

from __future__ import annotations

from typing import Any

from oms.catalog.models import PriceList, Product, ProductPrice, ProductStock, StockList
from oms.core.render import money, wire_datetime


def product_to_wire(product: Product) -> dict[str, Any]:
    return {
        "pk": product.pk,
        "id": product.pk,
        "sku": product.sku,
        "name": product.name,
        "base_code": product.base_code,
        "barcode": product.barcode,
        "attributes": product.attributes,
        "is_active": product.is_active,
        "created_date": wire_datetime(product.created_date),
        "modified_date": wire_datetime(product.modified_date),
    }


def price_to_wire(price: ProductPrice) -> dict[str, Any]:
    """`price.product` is read (for its sku): select it with the price."""
    return {
        "pk": price.pk,
        "id": price.pk,
        "price_list": price.price_list_id,
        "product": price.product_id,
        "sku": price.product.sku,
        "price": money(price.price),
        "retail_price": money(price.retail_price),
        "tax_rate": money(price.tax_rate),
        "created_date": wire_datetime(price.created_date),
        "modified_date": wire_datetime(price.modified_date),
    }


def stock_to_wire(stock: ProductStock) -> dict[str, Any]:
    """`stock.product` is read (for its sku): select it with the stock."""
    return {
        "pk": stock.pk,
        "id": stock.pk,
        "stock_list": stock.stock_list_id,
        "product": stock.product_id,
        "sku": stock.product.sku,
        "quantity": stock.quantity,
        "created_date": wire_datetime(stock.created_date),
        "modified_date": wire_datetime(stock.modified_date),
    }


def list_to_wire(row: PriceList | StockList) -> dict[str, Any]:
    body = {
        "pk": row.pk,
        "id": row.pk,
        "channel": row.channel_id,
        "name": row.name,
        "code": row.code,
        "is_active": row.is_active,
        "created_date": wire_datetime(row.created_date),
        "modified_date": wire_datetime(row.modified_date),
    }
    if isinstance(row, PriceList):
        body["currency"] = row.currency
    return body
