"""Routes that change orders: Omnitron's order item PATCH and order cancel."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from oms.access.services import get_channel_for
from oms.core.http import json_response, read_json
from oms.core.openapi import json_body
from oms.orders import selectors
from oms.orders.api.router import router
from oms.orders.presenters import order_detail, order_item_row
from oms.orders.schemas import OrderDetailOut, OrderItemRowOut
from oms.orders.schemas_manage import CancelIn, OrderItemUpdateIn
from oms.orders.services import manage
from oms.orders.services.manage import Actor


@router.patch(
    "/channel/{channel_id}/order_items/{pk}/",
    summary="Update an order item: status (per the transition table), invoice, tracking, extra_field",
    response={200: OrderItemRowOut},
    openapi_extra=json_body(OrderItemUpdateIn, "Only the fields sent change; extra_field is merged."),
)
def update_order_item(request: HttpRequest, channel_id: int, pk: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    item = manage.update_order_item(
        channel=channel, item_id=pk, payload=read_json(request), actor=Actor.for_key(request.auth)
    )
    return json_response(order_item_row(selectors.get_order_item(channel=channel, item_id=item.pk), channel))


@router.post(
    "/channel/{channel_id}/orders/{pk}/cancel/",
    url_name="cancel_order",
    summary="Cancel items of an order (Omnitron's body), each with a cancellation reason",
    response={200: OrderDetailOut},
    openapi_extra=json_body(CancelIn, "Items to cancel (or is_all) and a reason per item."),
)
def cancel_order(request: HttpRequest, channel_id: int, pk: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    manage.cancel_order(
        channel=channel, order_id=pk, payload=read_json(request), actor=Actor.for_key(request.auth)
    )
    return json_response(order_detail(selectors.get_order(channel=channel, order_id=pk), channel))
