"""Omnitron's order cancel: which items, with which reasons, and what it leaves on the order."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from oms.channels.models import Channel
from oms.core.errors import ErrorCode, Problem, ValidationFailed
from oms.core.payload import parse_payload
from oms.core.render import wire_datetime
from oms.events.models import EventType
from oms.orders.enums import CancelStatus, OrderStatus
from oms.orders.models import CancellationReason, Order, OrderItem
from oms.orders.schemas_manage import CancelIn
from oms.orders.services.events import record_order_event
from oms.orders.services.manage.changes import Actor, Changes, Kind, lock_order, named, settle_order
from oms.orders.services.reservations import release_items
from oms.orders.transitions import CANCELLABLE, TERMINAL

S = OrderStatus
# A cancellation already requested and not decided: asking again is refused.
_PENDING = {CancelStatus.WAITING, CancelStatus.CONFIRMATION_WAITING, CancelStatus.WAITING_FOR_PAYMENT}
_DONE = {CancelStatus.CONFIRMED, CancelStatus.APPROVED}


def cancel_order(*, channel: Channel, order_id: int, payload: Any, actor: Actor) -> Order:
    """Omnitron's order cancel: the named items (or, with `is_all`, every active item) move to
    `cancelled`, or to `cancellation_waiting` when the channel confirms cancellations
    (`cancellation_mode`), with a cancel_status, a history entry with the reason each, and the
    order's `cancellation_info` filled in.

    Raises NotFound for an order not of the channel and ValidationFailed (nothing written) for a
    bad body, an item not of the order, an item already cancelled (`already_cancelled`) or
    waiting for cancellation (`cancellation_pending`), one past cancelling (shipped:
    `invalid_transition`), or a missing or unknown reason.
    """
    parsed = parse_payload(CancelIn, payload, strict_fields=channel.strict_fields)
    if parsed.problems:
        raise ValidationFailed(parsed.problems)
    data: CancelIn = parsed.data
    reasons = _reasons({*(data.reasons or {}).values(), data.reason} - {None})
    with transaction.atomic():
        order, items = lock_order(channel, order_id)
        problems = _cancel_shape_problems(data, order_id)
        targets, chosen = [], {}
        if bool(data.is_all) != bool(data.cancel_items):  # else which items is unclear: said above
            targets, target_problems = _cancel_targets(data, order, items)
            chosen, reason_problems = _chosen_reasons(data, order, items, targets, reasons)
            problems += target_problems + reason_problems
        if data.forced_refund_amount is not None and data.forced_refund_amount > order.amount:
            problems.append(
                Problem(
                    "forced_refund_amount",
                    ErrorCode.OUT_OF_RANGE,
                    f"forced_refund_amount {data.forced_refund_amount} exceeds the order amount {order.amount}.",
                )
            )
        if problems:
            raise ValidationFailed(problems)
        changes = Changes(order=order, actor=actor, now=timezone.now())
        _cancel_items(channel, targets, chosen, data, changes)
        order.cancellation_info = _cancellation_info(order, targets, chosen, data, changes)
        changes.order_fields.add("cancellation_info")
        settle_order(order, items, changes)
        changes.save()
        record_order_event(EventType.ORDER_CANCELLED, order=order, channel=channel, items=items)
    return order


def _cancel_shape_problems(data: CancelIn, order_id: int) -> list[Problem]:
    problems = []
    if data.is_all and data.cancel_items:
        problems.append(Problem("is_all", ErrorCode.INVALID, "Send cancel_items or is_all: true, not both."))
    if not data.is_all and not data.cancel_items:
        problems.append(
            Problem("cancel_items", ErrorCode.REQUIRED, "Name the items to cancel, or send is_all: true.")
        )
    if data.order is not None and data.order != order_id:
        problems.append(
            Problem(
                "order", ErrorCode.MISMATCH, f"The body names order {data.order}; the URL order {order_id}."
            )
        )
    return problems


def _reasons(ids: set[int]) -> dict[int, CancellationReason]:
    return CancellationReason.objects.filter(is_active=True).in_bulk(list(ids)) if ids else {}


def _cancel_targets(
    data: CancelIn, order: Order, items: list[OrderItem]
) -> tuple[list[OrderItem], list[Problem]]:
    by_pk = {item.pk: item for item in items}
    problems: list[Problem] = []
    if data.is_all:
        # Every item not cancelled, refunded or waiting for a cancellation; one past cancelling
        # (shipped) refuses the whole request rather than being skipped.
        targets = [item for item in items if not _settled(item)]
        problems += [Problem("is_all", *refusal) for item in targets if (refusal := _refusal(item))]
        if not targets:
            problems.append(
                Problem(
                    "is_all", ErrorCode.ALREADY_CANCELLED, f"Order {order.pk} has no active item to cancel."
                )
            )
        return targets, problems
    targets, seen = [], set()
    for index, pk in enumerate(data.cancel_items or []):
        path = f"cancel_items.{index}"
        item = by_pk.get(pk)
        if item is None:
            problems.append(
                Problem(path, ErrorCode.NOT_FOUND, f"Item {pk} is not an item of order {order.pk}.")
            )
        elif pk in seen:
            problems.append(Problem(path, ErrorCode.DUPLICATE, f"Item {pk} is named twice."))
        elif refusal := _refusal(item):
            problems.append(Problem(path, *refusal))
        else:
            targets.append(item)
        seen.add(pk)
    return targets, problems


def _settled(item: OrderItem) -> bool:
    """Cancelled, refunded, or with a cancellation already requested: not an active item."""
    refusal = _refusal(item)
    return item.status in TERMINAL or (refusal is not None and refusal[0] != ErrorCode.INVALID_TRANSITION)


def _refusal(item: OrderItem) -> tuple[ErrorCode, str] | None:
    """Why an item cannot be cancelled now (code, message), or None."""
    if item.status == S.CANCELLED or (item.status not in TERMINAL and item.cancel_status in _DONE):
        return ErrorCode.ALREADY_CANCELLED, f"Item {item.pk} is already cancelled."
    if item.status == S.CANCELLATION_WAITING or item.cancel_status in _PENDING:
        return ErrorCode.CANCELLATION_PENDING, f"Item {item.pk} is already waiting for its cancellation."
    if item.status not in CANCELLABLE:
        return (
            ErrorCode.INVALID_TRANSITION,
            f"Item {item.pk} is {named(item.status)} and cannot be cancelled any more; "
            f"items can be cancelled until they are shipped.",
        )
    return None


def _chosen_reasons(
    data: CancelIn,
    order: Order,
    items: list[OrderItem],
    targets: list[OrderItem],
    reasons: dict[int, CancellationReason],
) -> tuple[dict[int, CancellationReason], list[Problem]]:
    sent = {int(key): value for key, value in (data.reasons or {}).items()}
    problems = [
        Problem(f"reasons.{pk}", ErrorCode.NOT_FOUND, f"Item {pk} is not an item of order {order.pk}.")
        for pk in sent
        if pk not in {item.pk for item in items}
    ]
    chosen = {}
    for item in targets:
        reason_id, path = (
            (sent[item.pk], f"reasons.{item.pk}") if sent.get(item.pk) else (data.reason, "reason")
        )
        if reason_id is None:
            problems.append(
                Problem(
                    f"reasons.{item.pk}", ErrorCode.REQUIRED, f"Item {item.pk} needs a cancellation reason."
                )
            )
        elif reason_id not in reasons:
            problems.append(
                Problem(
                    path,
                    ErrorCode.NOT_FOUND,
                    f"Cancellation reason {reason_id} does not exist or is inactive.",
                )
            )
        else:
            chosen[item.pk] = reasons[reason_id]
    return chosen, problems


def _cancel_items(
    channel: Channel,
    targets: list[OrderItem],
    chosen: dict[int, CancellationReason],
    data: CancelIn,
    changes: Changes,
) -> None:
    immediate = channel.cancellation_mode == Channel.CancellationMode.IMMEDIATE
    to = S.CANCELLED if immediate else S.CANCELLATION_WAITING
    cancel_status = CancelStatus.CONFIRMED if immediate else CancelStatus.WAITING
    for item in targets:
        changes.record(
            Kind.CANCELLATION,
            item=item,
            from_value=item.status,
            to_value=to,
            reason=chosen[item.pk],
            changes={"cancel_status": {"from": item.cancel_status, "to": cancel_status}},
        )
        item.status, item.cancel_status, item.modified_date = to, cancel_status, changes.now
        if data.forced_refund_amount is not None:
            item.forced_refund = True
    # Waiting for approval, an item keeps its units until the cancellation is confirmed.
    release_items([item for item in targets if item.status == S.CANCELLED], changes, why="cancelled")
    OrderItem.objects.bulk_update(
        targets, ["status", "cancel_status", "forced_refund", "stock_released", "modified_date"]
    )


def _cancellation_info(
    order: Order,
    targets: list[OrderItem],
    chosen: dict[int, CancellationReason],
    data: CancelIn,
    changes: Changes,
) -> dict[str, Any]:
    """The order's cancellation_info, accumulated over cancellations: per item its reason, the
    status it got and when; the amount of the items cancelled; the forced refund amount sent."""
    info = dict(order.cancellation_info or {})
    cancelled = dict(info.get("items") or {})
    for item in targets:
        reason = chosen[item.pk]
        cancelled[str(item.pk)] = {
            "reason": reason.pk,
            "reason_code": reason.code,
            "cancellation_type": reason.cancellation_type,
            "status": item.status,
            "date": wire_datetime(changes.now),
        }
    previous = Decimal(str(info.get("cancelled_amount") or "0"))
    info["items"] = cancelled
    info["cancelled_amount"] = str(previous + sum((item.total_price for item in targets), Decimal("0.00")))
    if data.forced_refund_amount is not None:
        info["forced_refund_amount"] = str(data.forced_refund_amount)
    else:
        info.setdefault("forced_refund_amount", None)
    return info
