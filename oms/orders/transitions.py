"""Where an item's status may go, and which status an order takes from its items: in one place.

Omnitron publishes no transition table, so this one follows the statuses' codes, which are also
their order along an order's life (waiting 200 ... delivered 550, refunded 600):

* before approval an item moves forward among waiting, payment_waiting and confirmation_waiting,
  or to approved; approved → preparing → shipped (or ready_for_pickup for click and collect);
* during delivery it moves forward among the delivery statuses (500 to 547) or to delivered; an
  attempted delivery may be shipped again;
* delivered → refunded;
* cancelled and refunded are terminal.

Cancellation is not a status update: only the cancel endpoint (with a reason) takes an item from
a CANCELLABLE status to cancelled or cancellation_waiting. A pending cancellation is then
confirmed (→ cancelled) or rejected (→ back to a status it can be cancelled from).
"""

from __future__ import annotations

from collections.abc import Iterable

from oms.orders.enums import ORDER_STATUS_CODES, OrderStatus

S = OrderStatus

# Items in these statuses have not left the warehouse and can be cancelled.
CANCELLABLE: frozenset[str] = frozenset(
    {S.WAITING, S.PAYMENT_WAITING, S.CONFIRMATION_WAITING, S.APPROVED, S.PREPARING}
)
TERMINAL: frozenset[str] = frozenset({S.CANCELLED, S.REFUNDED})

# The delivery statuses in code order: an item moves forward along them, to any later one.
_DELIVERY = (
    S.SHIPPED,
    S.SHIPPED_AND_INFORMED,
    S.READY_FOR_PICKUP,
    S.ATTEMPTED_DELIVERY,
    S.REVIEW_STARTED,
    S.REVIEW_WAITING,
    S.WAITING_FOR_PAYMENT,
    S.PAID,
    S.DELIVERED,
)


def _onwards(status: str) -> frozenset[str]:
    return frozenset(_DELIVERY[_DELIVERY.index(status) + 1 :])


TRANSITIONS: dict[str, frozenset[str]] = {
    S.WAITING: frozenset({S.PAYMENT_WAITING, S.CONFIRMATION_WAITING, S.APPROVED}),
    S.PAYMENT_WAITING: frozenset({S.CONFIRMATION_WAITING, S.APPROVED}),
    S.CONFIRMATION_WAITING: frozenset({S.APPROVED}),
    S.APPROVED: frozenset({S.PREPARING}),
    S.PREPARING: frozenset({S.SHIPPED, S.READY_FOR_PICKUP}),
    **{status: _onwards(status) for status in _DELIVERY[:-1]},
    S.ATTEMPTED_DELIVERY: _onwards(S.ATTEMPTED_DELIVERY) | {S.SHIPPED},
    S.DELIVERED: frozenset({S.REFUNDED}),
    # Confirmed, or rejected: the item resumes where it can be cancelled from.
    S.CANCELLATION_WAITING: frozenset({S.CANCELLED} | CANCELLABLE),
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset(),
}


def can_move(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS[from_status]


def allowed_from(status: str) -> list[str]:
    """The statuses an update may move an item to, in life order (for error messages)."""
    return sorted(TRANSITIONS[status], key=rank)


def rank(status: str) -> int:
    return int(ORDER_STATUS_CODES[status])


def order_status_for(item_statuses: Iterable[str]) -> str | None:
    """The order's status from its items' (None for an order without items: it keeps its own).

    The least advanced item that is still active (not cancelled or refunded) decides, in code
    order, so an order is `shipped` only when every active item is, and one pending
    cancellation (code 50) shows on the order as `cancellation_waiting`. When no item is active
    the order is `refunded` if any item was refunded, else `cancelled`.
    """
    statuses = list(item_statuses)
    if not statuses:
        return None
    active = [status for status in statuses if status not in TERMINAL]
    if active:
        return min(active, key=rank)
    return S.REFUNDED.value if S.REFUNDED in statuses else S.CANCELLED.value
