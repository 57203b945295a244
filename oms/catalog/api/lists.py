"""Prices and stock of a list (the catalog team; writes need the shared grant), and the channel's
price and stock lists (Omnitron's channel clients)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from oms.access.services import get_channel_for
from oms.catalog import services
from oms.catalog.api.router import SHARED, bulk_body, router
from oms.catalog.presenters import list_to_wire, price_to_wire, stock_to_wire
from oms.catalog.schemas import (
    BulkOut,
    ListOut,
    PriceBulkIn,
    PriceIn,
    PriceOut,
    StockBulkIn,
    StockIn,
    StockOut,
)
from oms.core.filters import Filter, boolean, datetime_filters, id_filters, text
from oms.core.http import json_response, read_json
from oms.core.listing import list_openapi, list_page, page_of
from oms.core.openapi import json_body

PRICES = "/price_lists/{price_list_id}/prices/"
PRICE = "/price_lists/{price_list_id}/prices/{pk}/"
STOCKS = "/stock_lists/{stock_list_id}/stocks/"
STOCK = "/stock_lists/{stock_list_id}/stocks/{pk}/"

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


@router.get(
    PRICES,
    response={200: page_of(PriceOut)},
    summary="List the prices of a price list",
    openapi_extra=list_openapi(LIST_ROW_FILTERS),
)
def list_prices(request: HttpRequest, price_list_id: int) -> HttpResponse:
    price_list = services.get_price_list(principal=request.auth, pk=price_list_id)
    queryset = services.list_prices(price_list=price_list)
    return json_response(list_page(request, queryset, filters=LIST_ROW_FILTERS, present=price_to_wire))


@router.post(
    PRICES,
    response={201: PriceOut},
    summary="Price a product in a price list",
    description=SHARED,
    openapi_extra=json_body(PriceIn),
)
def create_price(request: HttpRequest, price_list_id: int) -> HttpResponse:
    services.require_shared_grant(principal=request.auth)
    price_list = services.get_price_list(principal=request.auth, pk=price_list_id)
    price = services.create_price(price_list=price_list, payload=read_json(request))
    return json_response(price_to_wire(price), status=201)


@router.post(
    PRICES + "bulk_upsert/",
    response={200: BulkOut},
    summary="Create or update up to 1,000 prices of a price list by product",
    description=SHARED,
    openapi_extra=json_body(PriceBulkIn),
)
def bulk_upsert_prices(request: HttpRequest, price_list_id: int) -> HttpResponse:
    services.require_shared_grant(principal=request.auth)
    price_list = services.get_price_list(principal=request.auth, pk=price_list_id)
    result = services.bulk_upsert_prices(price_list=price_list, payload=bulk_body(request))
    return json_response(result.as_dict())


@router.get(PRICE, response={200: PriceOut}, summary="Retrieve a price")
def get_price(request: HttpRequest, price_list_id: int, pk: int) -> HttpResponse:
    price_list = services.get_price_list(principal=request.auth, pk=price_list_id)
    return json_response(price_to_wire(services.get_price(price_list=price_list, pk=pk)))


@router.api_operation(
    ["PATCH", "PUT"],
    PRICE,
    response={200: PriceOut},
    summary="Update a price (PATCH and PUT both change only the fields sent)",
    description=SHARED,
    openapi_extra=json_body(PriceIn),
)
def update_price(request: HttpRequest, price_list_id: int, pk: int) -> HttpResponse:
    services.require_shared_grant(principal=request.auth)
    price_list = services.get_price_list(principal=request.auth, pk=price_list_id)
    price = services.get_price(price_list=price_list, pk=pk)
    return json_response(price_to_wire(services.update_price(price=price, payload=read_json(request))))


@router.delete(PRICE, response={204: None}, summary="Delete a price", description=SHARED)
def delete_price(request: HttpRequest, price_list_id: int, pk: int) -> HttpResponse:
    services.require_shared_grant(principal=request.auth)
    price_list = services.get_price_list(principal=request.auth, pk=price_list_id)
    services.delete_price(price=services.get_price(price_list=price_list, pk=pk))
    return HttpResponse(status=204)


# --- stock of a stock list ----------------------------------------------------------------------


@router.get(
    STOCKS,
    response={200: page_of(StockOut)},
    summary="List the stock of a stock list",
    openapi_extra=list_openapi(LIST_ROW_FILTERS),
)
def list_stocks(request: HttpRequest, stock_list_id: int) -> HttpResponse:
    stock_list = services.get_stock_list(principal=request.auth, pk=stock_list_id)
    queryset = services.list_stocks(stock_list=stock_list)
    return json_response(list_page(request, queryset, filters=LIST_ROW_FILTERS, present=stock_to_wire))


@router.post(
    STOCKS,
    response={201: StockOut},
    summary="Stock a product in a stock list",
    description=SHARED,
    openapi_extra=json_body(StockIn),
)
def create_stock(request: HttpRequest, stock_list_id: int) -> HttpResponse:
    services.require_shared_grant(principal=request.auth)
    stock_list = services.get_stock_list(principal=request.auth, pk=stock_list_id)
    stock = services.create_stock(stock_list=stock_list, payload=read_json(request))
    return json_response(stock_to_wire(stock), status=201)


@router.post(
    STOCKS + "bulk_upsert/",
    response={200: BulkOut},
    summary="Create or update up to 1,000 stock quantities of a stock list by product",
    description=SHARED,
    openapi_extra=json_body(StockBulkIn),
)
def bulk_upsert_stocks(request: HttpRequest, stock_list_id: int) -> HttpResponse:
    services.require_shared_grant(principal=request.auth)
    stock_list = services.get_stock_list(principal=request.auth, pk=stock_list_id)
    result = services.bulk_upsert_stocks(stock_list=stock_list, payload=bulk_body(request))
    return json_response(result.as_dict())


@router.get(STOCK, response={200: StockOut}, summary="Retrieve a stock row")
def get_stock(request: HttpRequest, stock_list_id: int, pk: int) -> HttpResponse:
    stock_list = services.get_stock_list(principal=request.auth, pk=stock_list_id)
    return json_response(stock_to_wire(services.get_stock(stock_list=stock_list, pk=pk)))


@router.api_operation(
    ["PATCH", "PUT"],
    STOCK,
    response={200: StockOut},
    summary="Update a stock row (PATCH and PUT both change only the fields sent)",
    description=SHARED,
    openapi_extra=json_body(StockIn),
)
def update_stock(request: HttpRequest, stock_list_id: int, pk: int) -> HttpResponse:
    services.require_shared_grant(principal=request.auth)
    stock_list = services.get_stock_list(principal=request.auth, pk=stock_list_id)
    stock = services.get_stock(stock_list=stock_list, pk=pk)
    return json_response(stock_to_wire(services.update_stock(stock=stock, payload=read_json(request))))


@router.delete(STOCK, response={204: None}, summary="Delete a stock row", description=SHARED)
def delete_stock(request: HttpRequest, stock_list_id: int, pk: int) -> HttpResponse:
    services.require_shared_grant(principal=request.auth)
    stock_list = services.get_stock_list(principal=request.auth, pk=stock_list_id)
    services.delete_stock(stock=services.get_stock(stock_list=stock_list, pk=pk))
    return HttpResponse(status=204)


# --- the channel's lists (Omnitron's channel clients) -------------------------------------------


@router.get(
    "/channel/{channel_id}/price_lists/",
    response={200: page_of(ListOut)},
    summary="List the channel's price lists",
    openapi_extra=list_openapi(LIST_FILTERS),
)
def list_channel_price_lists(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    queryset = services.list_price_lists(channel=channel)
    return json_response(list_page(request, queryset, filters=LIST_FILTERS, present=list_to_wire))


@router.get(
    "/channel/{channel_id}/price_lists/{pk}/", response={200: ListOut}, summary="Retrieve a price list"
)
def get_channel_price_list(request: HttpRequest, channel_id: int, pk: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    return json_response(
        list_to_wire(services.get_price_list(principal=request.auth, pk=pk, channel=channel))
    )


@router.get(
    "/channel/{channel_id}/stock_lists/",
    response={200: page_of(ListOut)},
    summary="List the channel's stock lists",
    openapi_extra=list_openapi(LIST_FILTERS),
)
def list_channel_stock_lists(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    queryset = services.list_stock_lists(channel=channel)
    return json_response(list_page(request, queryset, filters=LIST_FILTERS, present=list_to_wire))


@router.get(
    "/channel/{channel_id}/stock_lists/{pk}/", response={200: ListOut}, summary="Retrieve a stock list"
)
def get_channel_stock_list(request: HttpRequest, channel_id: int, pk: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    return json_response(
        list_to_wire(services.get_stock_list(principal=request.auth, pk=pk, channel=channel))
    )
