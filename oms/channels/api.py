"""Cargo companies, which Omnitron's client walks page by page to find an order's carrier by
`erp_code` (it stops only on `next: null`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router

from oms.access.services import get_channel_for
from oms.channels import services
from oms.channels.presenters import cargo_to_wire
from oms.channels.schemas import CargoOut
from oms.core.filters import Filter, boolean, datetime_filters, id_filters, text
from oms.core.http import json_response
from oms.core.listing import list_openapi, list_page, page_of

router = Router(tags=["channels"])

CARGO_FILTERS = [
    Filter("erp_code", "erp_code", text, description="Exact ERP code."),
    Filter("shipping_company", "code", text, description="Exact carrier code (e.g. yurtici)."),
    Filter("name__iexact", "name__iexact", text, description="Name, any case."),
    Filter("is_active", "is_active", boolean, description="true or false."),
    *id_filters("pk", "pk"),
    *datetime_filters("modified_date"),
]


@router.get(
    "/channel/{channel_id}/cargos/",
    response={200: page_of(CargoOut)},
    summary="List cargo companies",
    openapi_extra=list_openapi(CARGO_FILTERS),
)
def list_cargos(request: HttpRequest, channel_id: int) -> HttpResponse:
    get_channel_for(principal=request.auth, channel_id=channel_id)
    queryset = services.list_cargo_companies()
    return json_response(list_page(request, queryset, filters=CARGO_FILTERS, present=cargo_to_wire))


@router.get(
    "/channel/{channel_id}/cargos/{pk}/", response={200: CargoOut}, summary="Retrieve a cargo company"
)
def get_cargo(request: HttpRequest, channel_id: int, pk: int) -> HttpResponse:
    get_channel_for(principal=request.auth, channel_id=channel_id)
    return json_response(cargo_to_wire(services.get_cargo_company(pk=pk)))
