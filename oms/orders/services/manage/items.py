"""Item updates (Omnitron's PATCH) and the admin's order status change."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from oms.channels.models import Channel
from oms.core.errors import ErrorCode, Problem, ValidationFailed
from oms.core.payload import parse_payload
from oms.events.models import EventType
from oms.orders.enums import CancelStatus, OrderStatus
from oms.orders.models import Order, OrderItem
from oms.orders.schemas_manage import OrderItemUpdateIn
from oms.orders.services.events import record_order_event
from oms.orders.services.manage.changes import (
    Actor,
    Changes,
    Kind,
    item_not_found,
    jsonable,
    lock_order,
    named,
    order_of_item,
    settle_order,
)
from oms.orders.services.reservations import release_items
from oms.orders.transitions import TERMINAL, allowed_from, can_move

S = OrderStatus
_CANCEL_TARGETS = {S.CANCELLED, S.CANCELLATION_WAITING}
# An item moved to these gives its reserved units back (once: the ERP may have already).
RELEASED_BY = {S.CANCELLED, S.REFUNDED}
_MISSING = object()
# Item fields an update may set besides status, cancel_status and extra_field.
_PLAIN_FIELDS = ("invoice_number", "invoice_date", "tracking_number", "defined_tracking_url")

# Read-only fields of the item's answer: a client may send the item back; they are ignored.
_ITEM_READ_ONLY = frozenset(
    {
        "pk",
        "id",
        "order",
        "order_number",
        "product",
        "price_currency",
        "price",
        "quantity",
        "unit_price",
        "total_price",
        "tax_rate",
        "tax_amount",
        "price_list",
        "stock_list",
        "shipping_company",
        "shipment_code",
        "attributes",
        "attributes_kwargs",
        "installment_interest_amount",
        "is_tradable",
        "datasource",
        "localized_attributes",
        "localized_attributes_kwargs",
        "cancellation_reconciliation",
        "reconciliation",
        "forced_refund",
        "original_stock",
        "shipping_option_group",
        "discount_amount",
        "retail_price",
        "image",
        "parent",
        "estimated_delivery_date",
        "defined_shipping_company",
        "delivered_date",
        "created_date",
        "modified_date",
    }
)


def update_order_item(*, channel: Channel, item_id: int, payload: Any, actor: Actor) -> OrderItem:
    """Apply Omnitron's item PATCH: status through the transition table, cancel_status, invoice and
    tracking fields, extra_field merged. Returns the item as stored.

    Raises NotFound for an item not of the channel and ValidationFailed (nothing written) for a
    bad body or a status move the table does not allow (`invalid_transition`; moving into a
    cancellation needs the cancel endpoint and a reason). Sending the current values is a no-op.
    """
    order_id = order_of_item(channel, item_id)
    parsed = parse_payload(
        OrderItemUpdateIn, payload, strict_fields=channel.strict_fields, read_only=_ITEM_READ_ONLY
    )
    if parsed.problems:
        raise ValidationFailed(parsed.problems)
    with transaction.atomic():
        order, items = lock_order(channel, order_id)
        item = next((item for item in items if item.pk == item_id), None)
        if item is None:  # deleted since it was looked up
            raise item_not_found(item_id)
        changes = Changes(order=order, actor=actor, now=timezone.now())
        _update_item(item, parsed.data, parsed.given, changes)
        if release_items([item] if item.status in RELEASED_BY else [], changes, why=item.status):
            changes.item_fields.append("stock_released")
        if changes.item_fields:
            item.save(update_fields=[*changes.item_fields, "modified_date"])
            settle_order(order, items, changes)
            record_order_event(EventType.ORDER_ITEM_UPDATED, order=order, channel=channel, items=items)
            if "status" in changes.order_fields:
                record_order_event(EventType.ORDER_UPDATED, order=order, channel=channel, items=items)
        changes.save()
    return item


def change_order_status(
    *, channel: Channel, order_id: int, status: str, actor: Actor, note: str = ""
) -> Order:
    """Move every active item of an order to `status` (the admin's "change status" action), each
    through the transition table; items already there are left alone.

    Raises NotFound, or ValidationFailed (nothing written) naming each item that cannot move.
    Cancelling is `cancel_order`'s, with a reason.
    """
    if status not in S.values:
        raise ValidationFailed(
            Problem("status", ErrorCode.INVALID_CHOICE, f'"{status}" is not an order status.')
        )
    with transaction.atomic():
        order, items = lock_order(channel, order_id)
        changes = Changes(order=order, actor=actor, now=timezone.now(), note=note)
        moving = [item for item in items if item.status not in TERMINAL and item.status != status]
        problems = [
            problem
            for item in moving
            if (problem := transition_problem(item, status, path=f"orderitem_set.{item.pk}.status"))
        ]
        if not moving:
            problems.append(
                Problem(
                    "status",
                    ErrorCode.INVALID_TRANSITION,
                    f"No item of order {order.pk} to move to {named(status)}: "
                    "they are there already, cancelled or refunded.",
                )
            )
        if problems:
            raise ValidationFailed(problems)
        for item in moving:
            _move(item, status, changes)
            item.modified_date = changes.now
        release_items([item for item in moving if item.status in RELEASED_BY], changes, why=status)
        OrderItem.objects.bulk_update(
            moving, ["status", "cancel_status", "delivered_date", "stock_released", "modified_date"]
        )
        settle_order(order, items, changes)
        changes.save()
        record_order_event(EventType.ORDER_UPDATED, order=order, channel=channel, items=items)
    return order


def _update_item(item: OrderItem, data: OrderItemUpdateIn, given: set[str], changes: Changes) -> None:
    if "status" in given and data.status != item.status:
        problem = transition_problem(item, data.status, path="status")
        if problem:
            raise ValidationFailed(problem)
        _move(item, data.status, changes, keep_cancel_status="cancel_status" in given)
        changes.item_fields += ["status", "cancel_status", "delivered_date"]
    if "cancel_status" in given and data.cancel_status != item.cancel_status:
        changes.record(
            Kind.CANCEL_STATUS,
            item=item,
            from_value=item.cancel_status or "",
            to_value=data.cancel_status or "",
        )
        item.cancel_status = data.cancel_status
        changes.item_fields.append("cancel_status")
    updated: dict[str, Any] = {}
    for name in _PLAIN_FIELDS:
        if name in given:
            value = getattr(data, name)
            value = "" if value is None and name != "invoice_date" else value
            if value != getattr(item, name):
                updated[name] = {"from": jsonable(getattr(item, name)), "to": jsonable(value)}
                setattr(item, name, value)
    if "extra_field" in given:
        merged = _merge_patch(item.extra_field, data.extra_field)
        if len(json.dumps(merged, default=str)) > settings.OMS_MAX_JSON_BYTES:
            raise ValidationFailed(
                Problem(
                    "extra_field",
                    ErrorCode.TOO_LARGE,
                    f"extra_field would grow past {settings.OMS_MAX_JSON_BYTES} bytes once merged.",
                )
            )
        if merged != item.extra_field:
            old = item.extra_field
            keys = {key for key in {*merged, *old} if merged.get(key, _MISSING) != old.get(key, _MISSING)}
            updated["extra_field"] = {"keys": sorted(keys)}
            item.extra_field = merged
    if updated:
        changes.record(Kind.UPDATE, item=item, changes=updated)
        changes.item_fields += list(updated)
    changes.item_fields = list(dict.fromkeys(changes.item_fields))


def transition_problem(item: OrderItem, to: str, *, path: str) -> Problem | None:
    current = item.status
    if to in _CANCEL_TARGETS and current != S.CANCELLATION_WAITING:
        return Problem(
            path,
            ErrorCode.INVALID_TRANSITION,
            f"Item {item.pk} cannot move from {named(current)} to {named(to)} by an update; cancel it "
            f"with POST orders/{item.order_id}/cancel/ and a reason.",
        )
    if can_move(current, to):
        return None
    allowed = allowed_from(current)
    hint = f"allowed: {', '.join(allowed)}" if allowed else f"{current} is final"
    return Problem(
        path,
        ErrorCode.INVALID_TRANSITION,
        f"Item {item.pk} cannot move from {named(current)} to {named(to)}; {hint}.",
    )


def _move(item: OrderItem, to: str, changes: Changes, *, keep_cancel_status: bool = False) -> None:
    """Set an item's status (already checked against the table) and record it. Leaving a pending
    cancellation decides it: confirmed when it ends cancelled, rejected when the item resumes."""
    changes.record(Kind.STATUS, item=item, from_value=item.status, to_value=to)
    if item.status == S.CANCELLATION_WAITING and not keep_cancel_status:
        decided = CancelStatus.CONFIRMED if to == S.CANCELLED else CancelStatus.REJECTED
        changes.record(Kind.CANCEL_STATUS, item=item, from_value=item.cancel_status or "", to_value=decided)
        item.cancel_status = decided
    if to == S.DELIVERED and item.delivered_date is None:
        item.delivered_date = changes.now
    item.status = to


def _merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: objects merge key by key, null removes a key."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = _merge_patch(merged.get(key), value)
    return merged
