"""Products over HTTP, for the catalog team: reads for any key, writes with the shared grant."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from oms.catalog import services
from oms.catalog.api.router import SHARED, bulk_body, router
from oms.catalog.presenters import product_to_wire
from oms.catalog.schemas import BulkOut, ProductBulkIn, ProductIn, ProductOut
from oms.core.filters import Filter, boolean, datetime_filters, id_filters, text
from oms.core.http import json_response, read_json
from oms.core.listing import list_openapi, list_page, page_of
from oms.core.openapi import json_body

PRODUCTS = "/products/"
PRODUCT = "/products/{pk}/"

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


@router.get(
    PRODUCTS,
    response={200: page_of(ProductOut)},
    summary="List products",
    openapi_extra=list_openapi(PRODUCT_FILTERS),
)
def list_products(request: HttpRequest) -> HttpResponse:
    queryset = services.list_products()
    return json_response(list_page(request, queryset, filters=PRODUCT_FILTERS, present=product_to_wire))


@router.post(
    PRODUCTS,
    response={201: ProductOut},
    summary="Create a product",
    description=SHARED,
    openapi_extra=json_body(ProductIn),
)
def create_product(request: HttpRequest) -> HttpResponse:
    services.require_shared_grant(principal=request.auth)
    product = services.create_product(payload=read_json(request))
    return json_response(product_to_wire(product), status=201)


@router.post(
    PRODUCTS + "bulk_upsert/",
    response={200: BulkOut},
    summary="Create or update up to 1,000 products by sku",
    description=SHARED,
    openapi_extra=json_body(ProductBulkIn),
)
def bulk_upsert_products(request: HttpRequest) -> HttpResponse:
    services.require_shared_grant(principal=request.auth)
    return json_response(services.bulk_upsert_products(payload=bulk_body(request)).as_dict())


@router.get(PRODUCT, response={200: ProductOut}, summary="Retrieve a product")
def get_product(request: HttpRequest, pk: int) -> HttpResponse:
    return json_response(product_to_wire(services.get_product(pk=pk)))


@router.api_operation(
    ["PATCH", "PUT"],
    PRODUCT,
    response={200: ProductOut},
    summary="Update a product (PATCH and PUT both change only the fields sent)",
    description=SHARED,
    openapi_extra=json_body(ProductIn),
)
def update_product(request: HttpRequest, pk: int) -> HttpResponse:
    services.require_shared_grant(principal=request.auth)
    product = services.update_product(product=services.get_product(pk=pk), payload=read_json(request))
    return json_response(product_to_wire(product))


@router.delete(
    PRODUCT, response={204: None}, summary="Delete a product nothing refers to", description=SHARED
)
def delete_product(request: HttpRequest, pk: int) -> HttpResponse:
    services.require_shared_grant(principal=request.auth)
    services.delete_product(product=services.get_product(pk=pk))
    return HttpResponse(status=204)
