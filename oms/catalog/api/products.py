"""Products over HTTP, for the catalog team: reads for any key, writes with the shared grant."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from oms.catalog import services
from oms.catalog.api.router import SHARED, bulk_body, router
from oms.catalog.schemas import BulkOut, ProductBulkIn, ProductIn, ProductOut
from oms.core.filters import Filter, boolean, datetime_filters, id_filters, text
from oms.core.http import json_response
from oms.core.openapi import json_body
from oms.core.resources import UNSCOPED, Resource


@router.post(
    "/products/bulk_upsert/",
    response={200: BulkOut},
    summary="Create or update up to 1,000 products by sku",
    description=SHARED,
    openapi_extra=json_body(ProductBulkIn),
)
def bulk_upsert_products(request: HttpRequest) -> HttpResponse:
    services.require_shared_grant(principal=request.auth)
    return json_response(services.bulk_upsert_products(payload=bulk_body(request)).as_dict())


PRODUCT_FILTERS = [
    Filter("sku", "sku", text, description="Exact sku."),
    Filter("sku__in", "sku__in", text, many=True, description="Any of these skus."),
    Filter("base_code", "base_code", text, description="Exact base code."),
    Filter("barcode", "barcode", text, description="Exact barcode."),
    Filter("name__icontains", "name__icontains", text, description="Name contains (any case)."),
    Filter("is_active", "is_active", boolean, description="true or false."),
    *id_filters("pk", "pk"),
    *datetime_filters("modified_date"),
]

# After bulk_upsert/: the row path `products/{pk}/` would take that name as a pk.
Resource.of(
    services,
    "product",
    ProductOut,
    "list get create update delete",
    scope=UNSCOPED,
    filters=PRODUCT_FILTERS,
    body=ProductIn,
    guard=services.require_shared_grant,
    description=SHARED,
    summaries={"list": "List products", "delete": "Delete a product nothing refers to"},
).register(router)
