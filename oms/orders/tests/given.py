"""Givens of the read and manage tests: orders made through the create service, and PATCH."""

from __future__ import annotations

import json

from oms.channels.models import Channel
from oms.orders.models import CancellationReason, Order
from oms.orders.services import create_order
from oms.orders.tests.payloads import minimal_body


def make_order(
    number: str,
    *,
    channel_id: int = 1,
    items: int = 1,
    status: str = "approved",
    item_status: str | None = None,
    date_placed: str = "2025-01-01T10:00:00Z",
    **order_fields,
) -> Order:
    """An order of the demo data in channel 1 or 2 with `items` items (each 10.00)."""
    body = minimal_body(
        number,
        status=status,
        date_placed=date_placed,
        amount=f"{10 * items}.00",
        customer=channel_id,
        shipping_address=channel_id,
        billing_address=channel_id,
        **order_fields,
    )
    body["order_item"] = [
        {
            "product": 1 + index % 3,
            "price": "10.00",
            "status": item_status or status,
            "extra_field": {"id": f"{number}-{index}"},
        }
        for index in range(items)
    ]
    created = create_order(channel=Channel.objects.get(pk=channel_id), payload=body)
    return Order.objects.get(pk=created.order.pk)


def make_reason(code: str = "test_reason", cancellation_type: str = "cancel", **fields) -> CancellationReason:
    return CancellationReason.objects.create(
        code=code,
        reason=fields.pop("reason", code.replace("_", " ")),
        cancellation_type=cancellation_type,
        **fields,
    )


def patch(api, path: str, body) -> object:
    return api.client.patch(path, data=json.dumps(body), content_type="application/json", **api.auth)


def item_url(item_id: int, channel_id: int = 1) -> str:
    return f"/api/v1/channel/{channel_id}/order_items/{item_id}/"


def cancel_url(order_id: int, channel_id: int = 1) -> str:
    return f"/api/v1/channel/{channel_id}/orders/{order_id}/cancel/"


def order_url(order_id: int, channel_id: int = 1) -> str:
    return f"/api/v1/channel/{channel_id}/orders/{order_id}/"
