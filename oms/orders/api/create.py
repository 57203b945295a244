"""POST create_orders: the thin adapter from HTTP to create_order."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from oms.access.services import get_channel_for
from oms.channels.models import Channel
from oms.core.http import JSON, read_json, warning_header
from oms.core.openapi import ERROR_RESPONSES, REPLAYED_HEADER, WARNING_HEADER, json_body, response_headers
from oms.core.render import dumps
from oms.idempotency.http import idempotent
from oms.observe.context import note_order
from oms.orders.api.router import create_router
from oms.orders.presenters import created_order_to_wire, order_to_wire
from oms.orders.schemas import OrderCreateIn, OrderOut
from oms.orders.services import create_order
from oms.orders.services.create import OrderCreated


@create_router.post(
    "/channel/{channel_id}/create_orders/",
    url_name="create_orders",
    summary="SalesChannelCreateOrder: create an order with its items",
    # Documentation only: the view answers an HttpResponse, which ninja does not validate again.
    response={201: OrderOut, 200: OrderOut, **ERROR_RESPONSES},
    openapi_extra=json_body(OrderCreateIn, "The order and its items, as Omnitron's page documents them.")
    | response_headers(WARNING_HEADER | REPLAYED_HEADER, 201, 200),
)
@idempotent
def create_orders(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    status, content, headers = created_answer(
        create_order(channel=channel, payload=read_json(request)), channel
    )
    return HttpResponse(content, status=status, content_type=JSON, headers=headers)


def created_answer(result: OrderCreated, channel: Channel) -> tuple[int, bytes, dict[str, str]]:
    """Status, JSON body and headers of a create's answer: 201, or 200 for a replay. Shared with
    the fast lane (lane.py), which answers the same request without Django's request cycle."""
    if result.detail is None:  # a replay: the stored order
        body = order_to_wire(
            result.order, channel=channel, items=result.items, fund_transfer_ids=result.fund_transfer_ids
        )
    else:
        body = created_order_to_wire(result.order, result.detail)
    note_order("replayed" if result.replayed else "created", number=result.order.number)
    headers = {"Idempotent-Replayed": "true"} if result.replayed else {}
    if result.warnings:
        headers["Warning"] = warning_header(result.warnings)
    return (200 if result.replayed else 201), dumps(body), headers
