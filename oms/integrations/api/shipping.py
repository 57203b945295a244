"""channel/{channel_id}/order_shipping_infos/: the carrier of an order and whether it was sent."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from oms.core.http import read_json
from oms.core.openapi import json_body
from oms.core.resources import Resource
from oms.integrations.api.filters import SHIPPING_INFO_FILTERS
from oms.integrations.api.router import router
from oms.integrations.schemas import OrderShippingInfoIn
from oms.integrations.schemas_out import OrderShippingInfoOut
from oms.integrations.services import shipping as services

INFOS = Resource.of(
    services,
    "shipping_info",
    OrderShippingInfoOut,
    "list get",
    path="order_shipping_infos",
    filters=SHIPPING_INFO_FILTERS,
    summaries={"list": "List order shipping infos", "get": "Retrieve an order shipping info"},
)
INFOS.register(router)


@router.post(
    INFOS.list_path,
    response={201: OrderShippingInfoOut, 200: OrderShippingInfoOut},
    summary="Set an order's shipping info (200: replaced the existing one)",
    openapi_extra=json_body(OrderShippingInfoIn),
)
def set_shipping_info(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = INFOS.owner(request, {"channel_id": channel_id})
    info, created = services.set_shipping_info(**channel, payload=read_json(request))
    return INFOS.answer(info, 201 if created else 200)
