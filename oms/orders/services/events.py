"""The orders' events: each write path records one in its own transaction, its data the order
as the detail endpoint answers it at that moment (with its items)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from oms.channels.models import Channel
from oms.events.models import EventType
from oms.events.services import record_event
from oms.orders.models import Order, OrderItem
from oms.orders.schemas import OrderDetailOut

_DETAIL = OrderDetailOut.renderer()


def order_data(
    order: Order, *, channel: Channel, items: Sequence[OrderItem], fund_transfer_ids: Sequence[int]
) -> dict[str, Any]:
    """The order as GET …/orders/{pk}/ answers it; before the insert its ids are None (the
    create path's statement fills them in)."""
    return _DETAIL(order, {"channel": channel, "items": items, "fund_transfer_ids": fund_transfer_ids})


def created_data(data: dict[str, Any], order: Order, items: Sequence[OrderItem]) -> dict[str, Any]:
    """`order_data` rendered before the insert, with the ids the insert gave."""
    return data | {
        "pk": order.pk,
        "id": order.pk,
        "orderitem_set": [
            row | {"pk": item.pk, "id": item.pk, "order": order.pk}
            for row, item in zip(data["orderitem_set"], items, strict=True)
        ],
    }


def record_order_event(
    type: EventType, *, order: Order, channel: Channel, items: Sequence[OrderItem]
) -> None:
    """Record `type` for the order as it now stands, in the caller's transaction."""
    transfers = list(order.funds_transfer_transactions.order_by("id").values_list("id", flat=True))
    record_event(
        channel_id=channel.pk,
        type=type,
        subject=f"order:{order.pk}",
        data=order_data(order, channel=channel, items=sorted(items, key=_pk), fund_transfer_ids=transfers),
        occurred_at=order.modified_date,
    )


def _pk(item: OrderItem) -> int:
    return item.pk
