"""The order answers with the context their schemas read (oms.orders.schemas: OrderOut and the
others declare and render the fields): the channel, the items and the funds transfers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from oms.channels.models import Channel
from oms.orders.models import Order, OrderItem
from oms.orders.schemas import OrderDetailOut, OrderItemRowOut, OrderOut

_ORDER = OrderOut.renderer()


def order_to_wire(
    order: Order, *, channel: Channel, items: Sequence[OrderItem], fund_transfer_ids: Sequence[int]
) -> dict[str, Any]:
    """The order as create answers it; `order.cargo_company` and `order.payment_option` are read."""
    return _ORDER(order, {"channel": channel, "items": items, "fund_transfer_ids": fund_transfer_ids})


def created_order_to_wire(order: Order, detail: dict[str, Any]) -> dict[str, Any]:
    """`order_to_wire` of an order just created, from its detail answer rendered for its event
    before the insert (`OrderDetailOut` is `OrderOut` and the items), rather than rendering it
    again: the insert changed only the ids and, by its reservation, `oversold`."""
    answer = {key: value for key, value in detail.items() if key != "orderitem_set"}
    answer.update(pk=order.pk, id=order.pk, oversold=order.oversold)
    return answer


def _fund_transfer_ids(order: Order) -> list[int]:
    return [transfer.pk for transfer in order.funds_transfer_transactions.all()]


def order_summary(order: Order, channel: Channel) -> dict[str, Any]:
    """A list row: the order exactly as create answers it (selectors.list_orders prefetched it)."""
    return order_to_wire(
        order, channel=channel, items=order.cancel_status_items, fund_transfer_ids=_fund_transfer_ids(order)
    )


def order_detail(order: Order, channel: Channel) -> dict[str, Any]:
    """The order as create answers it, plus its items (`orderitem_set`)."""
    items = list(order.orderitem_set.all())
    return OrderDetailOut.render(
        order, channel=channel, items=items, fund_transfer_ids=_fund_transfer_ids(order)
    )


def order_item_row(item: OrderItem, channel: Channel) -> dict[str, Any]:
    """An item as the order item endpoints answer it (selectors annotate its order_number)."""
    return OrderItemRowOut.render(item, channel=channel)
