"""What orders do to stock: their items' reservations, made on create and given back once.

The figures themselves change only in `catalog.services.stock`; this module says which units an
order's items reserve (the item's stock list, or the channel's when it names none) and marks on
the items and orders what the reservation found.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction

from oms.access.services import Principal, require_grant
from oms.catalog.services.stock import Found, StockWant, release_stock, reserve_stock, shortfall
from oms.channels.models import Channel
from oms.core.errors import ErrorCode, Problem, ValidationFailed
from oms.observe.metrics import count_releases, count_reservations
from oms.orders.models import Order, OrderHistory, OrderItem

if TYPE_CHECKING:  # the manage package imports this module
    from oms.orders.services.manage.changes import Changes

Policy = Channel.StockPolicy


def reserve_items(
    batch: Sequence[tuple[Order, Sequence[OrderItem]]], *, channel: Channel, policy: str, now: datetime
) -> dict[int, list[Problem]]:
    """Reserve the units of orders about to be inserted, in the caller's transaction: each item
    gets the stock row it reserved on and its `oversold` flag, each order its `oversold` flag.
    Under `reject` the orders lacking units reserve nothing and come back by their index in
    `batch`, with an `out_of_stock` problem per short item; under `ignore` nothing happens.
    (A single create on PostgreSQL reserves in its insert statement instead: `stock_wants`,
    `store.insert_reserving_order`, `settle_reservation`.)"""
    if policy == Policy.IGNORE:
        return {}
    wants = stock_wants(batch, channel=channel)
    reservation = reserve_stock(wants=wants, reject=policy == Policy.REJECT, now=now)
    held = iter(reservation.held)
    for order, items in batch:
        oversold = False
        for item in items:
            got = next(held)
            if got is not None:
                vars(item).update(reserved_stock_id=got.stock_id, oversold=got.oversold)
                oversold = oversold or got.oversold
        vars(order)["oversold"] = oversold
    _count_on_commit(channel, [item for _, items in batch for item in items])
    return reservation.short


def stock_wants(batch: Sequence[tuple[Order, Sequence[OrderItem]]], *, channel: Channel) -> list[StockWant]:
    """What each item of `batch` reserves: its quantity on its stock list, or the channel's
    when it names none; its group is its order's index in `batch`."""
    default_list = channel.stock_list_id
    return [
        StockWant(
            group,
            f"order_item.{index}.product",
            item.stock_list_id or default_list,
            item.product_id,
            item.quantity,
        )
        for group, (_, items) in enumerate(batch)
        for index, item in enumerate(items)
    ]


def settle_reservation(
    items: Sequence[OrderItem], wants: Sequence[StockWant], found: Sequence[Found], *, channel: Channel
) -> list[Problem]:
    """After the create statement reserved (or refused) one order's units: the `out_of_stock`
    problem of each short item when the order was refused (nothing was written), else none, and
    the reservation's metrics counted once the transaction commits."""
    if items[0].pk is None:
        return [shortfall(want, got) for want, got in zip(wants, found, strict=True) if got.short]
    _count_on_commit(channel, items)
    return []


def _count_on_commit(channel: Channel, items: Sequence[OrderItem]) -> None:
    units = sum(item.quantity for item in items if item.reserved_stock_id is not None)
    oversold = sum(item.oversold for item in items)
    transaction.on_commit(lambda: count_reservations(channel.pk, units=units, oversold=oversold))


def record_reservations(batch: Sequence[tuple[Order, Sequence[OrderItem]]], *, now: datetime) -> None:
    """The history entries of the reservations `reserve_items` made, once the orders are inserted
    (same transaction): one per item that reserved units or was sold without a stock row."""
    entries = [
        OrderHistory(
            order_id=order.pk,
            item_id=item.pk,
            kind=OrderHistory.Kind.STOCK,
            to_value="reserved",
            note="oversold" if item.oversold else "",
            changes={"stock": item.reserved_stock_id, "quantity": item.quantity},
            actor="create_orders",
            created_date=now,
        )
        for order, items in batch
        for item in items
        if item.reserved_stock_id is not None or item.oversold
    ]
    if entries:
        OrderHistory.objects.bulk_create(entries)


def release_items(items: Sequence[OrderItem], changes: Changes, *, why: str) -> list[OrderItem]:
    """Give back the reservations of `items` not given back yet, and record each in the order's
    history. The items must have been read under the order's lock (`lock_order`), so that two
    releases of one item run one after the other and the second finds it released. The caller
    saves `stock_released` with the items' other changes; returns the items released."""
    due = [item for item in items if item.reserved_stock_id is not None and not item.stock_released]
    release_stock(returned=[(item.reserved_stock_id, item.quantity) for item in due], now=changes.now)
    if due:
        released = sum(item.quantity for item in due)
        transaction.on_commit(lambda: count_releases(units=released))
    for item in due:
        item.stock_released = True
        changes.record(
            OrderHistory.Kind.STOCK,
            item=item,
            from_value="reserved",
            to_value="released",
            note=why,
            changes={"stock": item.reserved_stock_id, "quantity": item.quantity},
        )
    return due


def stock_override(*, principal: Principal | None, value: str | None) -> str | None:
    """The stock policy a bulk create or an import asks for instead of the channel's: only
    `ignore` (importing history that must not touch today's stock), and only by a key with the
    `shared` grant (`principal` None: the operator's command line)."""
    if value is None:
        return None
    if value != Policy.IGNORE:
        raise ValidationFailed(
            Problem(
                "stock", ErrorCode.INVALID_CHOICE, f'"{value}" is not a stock override; expected: ignore.'
            )
        )
    if principal is not None:
        require_grant(principal=principal, grant="shared", needed_for="stock=ignore", path="stock")
    return value
