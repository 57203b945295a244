"""channel/{channel_id}/order_shipping_infos/: the carrier of an order and whether it was sent."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from oms.access.services import get_channel_for
from oms.core.http import json_response, read_json
from oms.core.listing import list_openapi, list_page
from oms.core.openapi import json_body
from oms.integrations.api.filters import SHIPPING_INFO_FILTERS
from oms.integrations.api.router import router
from oms.integrations.presenters import shipping_info_to_wire
from oms.integrations.schemas import OrderShippingInfoIn
from oms.integrations.services import shipping as services

INFOS = "/channel/{channel_id}/order_shipping_infos/"
INFO = "/channel/{channel_id}/order_shipping_infos/{pk}/"


@router.get(
    INFOS,
    response={200: dict},
    summary="List order shipping infos",
    openapi_extra=list_openapi(SHIPPING_INFO_FILTERS),
)
def list_shipping_infos(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    queryset = services.list_shipping_infos(channel=channel)
    return json_response(
        list_page(request, queryset, filters=SHIPPING_INFO_FILTERS, present=shipping_info_to_wire)
    )


@router.post(
    INFOS,
    response={201: dict, 200: dict},
    summary="Set an order's shipping info (200: replaced the existing one)",
    openapi_extra=json_body(OrderShippingInfoIn),
)
def set_shipping_info(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    info, created = services.set_shipping_info(channel=channel, payload=read_json(request))
    return json_response(shipping_info_to_wire(info), status=201 if created else 200)


@router.get(INFO, response={200: dict}, summary="Retrieve an order shipping info")
def get_shipping_info(request: HttpRequest, channel_id: int, pk: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    return json_response(shipping_info_to_wire(services.get_shipping_info(channel=channel, pk=pk)))
