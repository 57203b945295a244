"""Prices and stock of a list (the catalog team; writes need the shared grant), and the channel's
price and stock lists (Omnitron's channel clients)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from oms.catalog import services
from oms.catalog.api.router import SHARED, bulk_body, router
from oms.catalog.schemas import (
    BulkOut,
    PriceBulkIn,
    PriceIn,
    PriceListOut,
    PriceOut,
    StockBulkIn,
    StockIn,
    StockListOut,
    StockOut,
)
from oms.core.filters import Filter, boolean, datetime_filters, id_filters, text
from oms.core.http import json_response
from oms.core.openapi import json_body
from oms.core.resources import Resource, Scope

LIST_ROW_FILTERS = [
    *id_filters("product", "product_id", what="product id"),
    Filter("sku", "product__sku", text, description="The product's exact sku."),
    Filter("sku__in", "product__sku__in", text, many=True, description="Any of these skus."),
    *id_filters("pk", "pk"),
    *datetime_filters("modified_date"),
]
LIST_FILTERS = [
    Filter("code", "code", text, description="Exact code."),
    Filter("code__exact", "code", text, description="Exact code."),
    Filter("name__iexact", "name__iexact", text, description="Name, any case."),
    Filter("is_active", "is_active", boolean, description="true or false."),
    *id_filters("pk", "pk"),
]

# The rows of one list: reading needs the list's channel or the shared grant, writing the grant.
PRICES = Resource(
    "prices",
    PriceOut,
    "price",
    scope=Scope("/price_lists/{price_list_id}", "price_list_id", "price_list", services.get_price_list),
    rows=services.list_prices,
    get=services.get_price,
    filters=LIST_ROW_FILTERS,
    body=PriceIn,
    guard=services.require_shared_grant,
    create=services.create_price,
    update=services.update_price,
    delete=services.delete_price,
    description=SHARED,
    summaries={"list": "List the prices of a price list", "create": "Price a product in a price list"},
)
STOCKS = Resource(
    "stocks",
    StockOut,
    "stock",
    scope=Scope("/stock_lists/{stock_list_id}", "stock_list_id", "stock_list", services.get_stock_list),
    rows=services.list_stocks,
    get=services.get_stock,
    filters=LIST_ROW_FILTERS,
    body=StockIn,
    guard=services.require_shared_grant,
    create=services.create_stock,
    update=services.update_stock,
    delete=services.delete_stock,
    description=SHARED,
    summaries={
        "list": "List the stock of a stock list",
        "create": "Stock a product in a stock list",
        "get": "Retrieve a stock row",
        "update": "Update a stock row (PATCH and PUT both change only the fields sent)",
        "delete": "Delete a stock row",
    },
)


@router.post(
    PRICES.list_path + "bulk_upsert/",
    response={200: BulkOut},
    summary="Create or update up to 1,000 prices of a price list by product",
    description=SHARED,
    openapi_extra=json_body(PriceBulkIn),
)
def bulk_upsert_prices(request: HttpRequest, price_list_id: int) -> HttpResponse:
    price_list = PRICES.owner(request, {"price_list_id": price_list_id}, write=True)
    return json_response(services.bulk_upsert_prices(**price_list, payload=bulk_body(request)).as_dict())


@router.post(
    STOCKS.list_path + "bulk_upsert/",
    response={200: BulkOut},
    summary="Create or update up to 1,000 stock quantities of a stock list by product",
    description=SHARED,
    openapi_extra=json_body(StockBulkIn),
)
def bulk_upsert_stocks(request: HttpRequest, stock_list_id: int) -> HttpResponse:
    stock_list = STOCKS.owner(request, {"stock_list_id": stock_list_id}, write=True)
    return json_response(services.bulk_upsert_stocks(**stock_list, payload=bulk_body(request)).as_dict())


# After bulk_upsert/: the row paths `.../{pk}/` would take that name as a pk.
PRICES.register(router)
STOCKS.register(router)


# --- the channel's lists (Omnitron's channel clients) -------------------------------------------

Resource(
    "price_lists",
    PriceListOut,
    "channel_price_list",
    rows=services.list_price_lists,
    get=services.get_price_list,
    filters=LIST_FILTERS,
    summaries={"list": "List the channel's price lists", "get": "Retrieve a price list"},
).register(router)
Resource(
    "stock_lists",
    StockListOut,
    "channel_stock_list",
    rows=services.list_stock_lists,
    get=services.get_stock_list,
    filters=LIST_FILTERS,
    summaries={"list": "List the channel's stock lists", "get": "Retrieve a stock list"},
).register(router)
