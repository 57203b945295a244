"""Givens of the integration tests: orders of the demo channels made through the create
service, and JSON PATCH/DELETE through the test client (conftest's ApiClient posts and gets)."""

from __future__ import annotations

import json

from conftest import ApiClient
from oms.channels.models import Channel
from oms.orders.models import Order
from oms.orders.services import create_order


def make_order(number: str, *, channel_id: int = 1, lines: tuple[str, ...] = ("L-1",)) -> Order:
    """An order of demo channel 1 or 2 with one item per line id (each 10.00), the line id in
    the item's extra_field as channel-app sends it."""
    result = create_order(
        channel=Channel.objects.get(pk=channel_id),
        payload={
            "order": {
                "number": number,
                "status": "approved",
                "date_placed": "2025-01-01T10:00:00Z",
                "customer": channel_id,
                "shipping_address": channel_id,
                "billing_address": channel_id,
                "currency": "try",
                "amount": f"{10 * len(lines)}.00",
                "extra_field": {"id": number},
            },
            "order_item": [{"product": 1, "price": "10.00", "extra_field": {"id": line}} for line in lines],
        },
    )
    return Order.objects.get(pk=result.order.pk)


def patch(api: ApiClient, path: str, body) -> object:
    return api.client.patch(path, data=json.dumps(body), content_type="application/json", **api.auth)


def delete(api: ApiClient, path: str) -> object:
    return api.client.delete(path, **api.auth)
