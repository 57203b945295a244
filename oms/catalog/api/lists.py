"""Prices and stock of a list (the catalog team; writes need the shared grant), and the channel's
price and stock lists (Omnitron's channel clients)."""

from __future__ import annotations

from pydantic import BaseModel

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
from oms.core.answers import Answer
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

EVERYTHING = "list get create update delete"


def _rows_of_list(
    noun: str, out: type[Answer], body: type[BaseModel], bulk_in: type[BaseModel], **options
) -> None:
    """The rows of one price or stock list, and their bulk upsert: reading needs the list's
    channel or the shared grant, writing the grant."""
    kind = f"{noun}_list"
    rows = Resource.of(
        services,
        noun,
        out,
        EVERYTHING,
        scope=Scope(f"/{kind}s/{{{kind}_id}}", f"{kind}_id", kind, getattr(services, f"get_{kind}")),
        filters=LIST_ROW_FILTERS,
        body=body,
        guard=services.require_shared_grant,
        description=SHARED,
        **options,
    )
    bulk_upsert = getattr(services, f"bulk_upsert_{noun}s")
    # Before the row paths: `.../{pk}/` would take bulk_upsert as a pk.
    rows.route(
        router,
        "POST",
        f"bulk_upsert_{noun}s",
        lambda request, scoped, path: json_response(
            bulk_upsert(**scoped, payload=bulk_body(request)).as_dict()
        ),
        suffix="bulk_upsert/",
        write=True,
        response={200: BulkOut},
        summary=f"Create or update up to 1,000 {noun}s of a {noun} list by product",
        description=SHARED,
        openapi_extra=json_body(bulk_in),
    )
    rows.register(router)


_rows_of_list(
    "price",
    PriceOut,
    PriceIn,
    PriceBulkIn,
    summaries={"list": "List the prices of a price list", "create": "Price a product in a price list"},
)
_rows_of_list(
    "stock",
    StockOut,
    StockIn,
    StockBulkIn,
    summaries={
        "list": "List the stock of a stock list",
        "create": "Stock a product in a stock list",
        "get": "Retrieve a stock row",
        "update": "Update a stock row (PATCH and PUT both change only the fields sent)",
        "delete": "Delete a stock row",
    },
)


# --- the channel's lists (Omnitron's channel clients) -------------------------------------------

for kind, out in (("price", PriceListOut), ("stock", StockListOut)):
    Resource(
        f"{kind}_lists",
        out,
        f"channel_{kind}_list",
        rows=getattr(services, f"list_{kind}_lists"),
        get=getattr(services, f"get_{kind}_list"),
        filters=LIST_FILTERS,
        summaries={"list": f"List the channel's {kind} lists", "get": f"Retrieve a {kind} list"},
    ).register(router)
