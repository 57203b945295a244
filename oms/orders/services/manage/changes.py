"""What every order change shares: who makes it, the lock on the order, the history rows it
appends, and the order status and modified_date that follow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from oms.access.services import Principal
from oms.channels.models import Channel
from oms.core.errors import ErrorCode, NotFound, Problem
from oms.core.lookup import bounded
from oms.core.render import wire_datetime
from oms.orders.enums import ORDER_STATUS_CODES
from oms.orders.models import Order, OrderHistory, OrderItem
from oms.orders.transitions import order_status_for

Kind = OrderHistory.Kind


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a change, as the history records it."""

    name: str
    api_key_id: int | None = None
    user_id: int | None = None

    @classmethod
    def for_key(cls, principal: Principal) -> Actor:
        return cls(name=f"key:{principal.name}", api_key_id=principal.key_id)

    @classmethod
    def for_user(cls, user: Any) -> Actor:
        return cls(name=f"user:{user.get_username()}", user_id=user.pk)


def lock_order(channel: Channel | None, order_id: int) -> tuple[Order, list[OrderItem]]:
    """The order (of `channel`; None: of any, for the ERP), locked for the transaction, and its
    items read after the lock was granted."""
    orders = Order.objects.select_for_update().filter(pk=bounded(order_id))
    order = (orders if channel is None else orders.filter(channel=channel)).first()
    if order is None:
        where = "" if channel is None else " in this channel"
        raise NotFound(Problem("pk", ErrorCode.NOT_FOUND, f"Order {order_id} does not exist{where}."))
    return order, list(OrderItem.objects.filter(order=order).order_by("id"))


def order_of_item(channel: Channel, item_id: int) -> int:
    order_id = (
        OrderItem.objects.filter(pk=bounded(item_id), order__channel=channel)
        .values_list("order_id", flat=True)
        .first()
    )
    if order_id is None:
        raise item_not_found(item_id)
    return order_id


def item_not_found(item_id: int, *, any_channel: bool = False) -> NotFound:
    """404 for an unknown item; `any_channel`: the caller (the ERP) sees every channel's items."""
    where = "" if any_channel else " in this channel"
    return NotFound(Problem("pk", ErrorCode.NOT_FOUND, f"Order item {item_id} does not exist{where}."))


class Changes:
    """What one use case changes: the history rows to append and the order fields to save."""

    def __init__(self, *, order: Order, actor: Actor, now: datetime, note: str = ""):
        self.order, self.actor, self.now, self.note = order, actor, now, note
        self.history: list[OrderHistory] = []
        self.item_fields: list[str] = []
        self.order_fields: set[str] = set()

    def record(self, kind: str, *, item: OrderItem | None = None, **fields: Any) -> None:
        self.history.append(
            OrderHistory(
                order=self.order,
                item=item,
                kind=kind,
                api_key_id=self.actor.api_key_id,
                user_id=self.actor.user_id,
                actor=self.actor.name[:150],
                note=fields.pop("note", self.note),
                **fields,
            )
        )

    def save(self) -> None:
        if self.history:
            OrderHistory.objects.bulk_create(self.history)


def settle_order(order: Order, items: list[OrderItem], changes: Changes) -> None:
    """The order's status follows its items (transitions.order_status_for); its modified_date
    moves with every change so that pollers see it."""
    status = order_status_for(item.status for item in items)
    if status is not None and status != order.status:
        changes.record(
            Kind.ORDER_STATUS,
            from_value=order.status,
            to_value=status,
            note=changes.note or "follows its items",
        )
        order.status = status
        changes.order_fields.add("status")
    order.save(update_fields=[*sorted(changes.order_fields), "modified_date"])


def named(status: str) -> str:
    return f'"{status}" ({ORDER_STATUS_CODES[status]})'


def jsonable(value: Any) -> Any:
    return wire_datetime(value) if isinstance(value, datetime) else value
