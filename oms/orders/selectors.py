"""Read queries of orders, their items, history and cancellation reasons, and the filters and
sorts their lists accept.

Everything is scoped to one channel: an order of another channel is simply not found (404). List
querysets fetch what the presenters read in a constant number of queries per page, whatever its
size: cargo company and payment option joined, items' cancel statuses and funds transfers
prefetched (one query each).
"""

from __future__ import annotations

from django.db.models import F, Prefetch, QuerySet

from oms.channels.models import Channel, FundsTransferTransaction
from oms.core.errors import ErrorCode, NotFound, Problem
from oms.core.filters import (
    Filter,
    boolean,
    choice,
    datetime_filters,
    id_filters,
    text,
)
from oms.core.lookup import bounded, get_row
from oms.orders.enums import ORDER_STATUS_INPUTS
from oms.orders.models import CancellationReason, Order, OrderHistory, OrderItem

_status = choice(ORDER_STATUS_INPUTS, "order status")

ORDER_FILTERS: list[Filter] = [
    Filter("number", "number", text, description="Exact order number."),
    *id_filters("pk", what="order id"),
    *id_filters("id", "pk", what="order id"),
    Filter("status", "status__in", _status, many=True, description="Status name or code."),
    Filter("status__in", "status__in", _status, many=True, description="Status names or codes."),
    *id_filters("customer", "customer_id", what="customer id"),
    *datetime_filters("date_placed"),
    *datetime_filters("modified_date"),
    *datetime_filters("created_date"),
    Filter("oversold", "oversold", boolean, description="true: orders sold past their stock."),
]
ORDER_SORTS = {
    "-id": "-pk",
    "id": "pk",
    "date_placed": "date_placed",
    "-date_placed": "-date_placed",
    "modified_date": "modified_date",
    "-modified_date": "-modified_date",
    "created_date": "created_date",
    "-created_date": "-created_date",
}
DEFAULT_ORDER_SORT = "-id"  # newest first

ITEM_FILTERS: list[Filter] = [
    *id_filters("order", "order_id", what="order id"),
    *id_filters("pk", what="item id"),
    *id_filters("id", "pk", what="item id"),
    Filter("status", "status__in", _status, many=True, description="Status name or code."),
    Filter("status__in", "status__in", _status, many=True, description="Status names or codes."),
    *datetime_filters("modified_date"),
]
ITEM_SORTS = {"id": "pk", "-id": "-pk"}
DEFAULT_ITEM_SORT = "id"

HISTORY_SORTS = {"id": "pk", "-id": "-pk"}
DEFAULT_HISTORY_SORT = "id"  # in the order things happened

_REASON_TYPES = {value: value for value in CancellationReason.CancellationType.values}
REASON_FILTERS: list[Filter] = [
    Filter(
        "cancellation_type",
        "cancellation_type",
        choice(_REASON_TYPES, "cancellation type"),
        description="cancel or refund.",
    ),
    Filter("is_active", "is_active", boolean, description="true or false."),
]
REASON_SORTS = {"sort_order": "sort_order", "id": "pk", "-id": "-pk"}
DEFAULT_REASON_SORT = "sort_order"


def list_orders(*, channel: Channel) -> QuerySet[Order]:
    """The channel's orders, to be narrowed by ORDER_FILTERS and paginated."""
    return _orders_listed(Order.objects.filter(channel=channel))


# The ERP's list: every channel's orders, with the channel's own filter and is_send besides.
ERP_ORDER_FILTERS: list[Filter] = [
    *ORDER_FILTERS,
    *id_filters("channel", "channel_id", what="channel id"),
    Filter("is_send", "is_send", boolean, description="false: orders the ERP has not picked up yet."),
]


def list_erp_orders() -> QuerySet[Order]:
    """Every channel's orders, as the ERP reads them (each answered in its channel's format)."""
    return _orders_listed(Order.objects.select_related("channel"))


def _orders_listed(orders: QuerySet[Order]) -> QuerySet[Order]:
    return orders.select_related("cargo_company", "payment_option").prefetch_related(
        # The list answers each order's cancel_status summary, which needs only this column.
        Prefetch(
            "orderitem_set",
            queryset=OrderItem.objects.only("id", "order_id", "cancel_status").order_by("id"),
            to_attr="cancel_status_items",
        ),
        _funds_transfers(),
    )


def get_order(*, channel: Channel, order_id: int) -> Order:
    """One order of the channel with its items (`order.orderitem_set.all()`) and funds transfers."""
    order = (
        Order.objects.filter(channel=channel, pk=bounded(order_id))
        .select_related("cargo_company", "payment_option")
        .prefetch_related(
            Prefetch("orderitem_set", queryset=OrderItem.objects.order_by("id")),
            _funds_transfers(),
        )
        .first()
    )
    if order is None:
        raise _order_not_found(order_id)
    return order


def list_order_items(*, channel: Channel) -> QuerySet[OrderItem]:
    """The channel's order items, to be narrowed by ITEM_FILTERS and paginated."""
    return _items_with_order_number().filter(order__channel=channel)


def get_order_item(*, channel: Channel, item_id: int) -> OrderItem:
    return get_row(
        _items_with_order_number().filter(order__channel=channel),
        item_id,
        label="Order item",
        where=" in this channel",
    )


def list_order_history(*, channel: Channel, order_id: int) -> QuerySet[OrderHistory]:
    """An order's history entries (404 for an order not of this channel)."""
    if not Order.objects.filter(channel=channel, pk=bounded(order_id)).exists():
        raise _order_not_found(order_id)
    return OrderHistory.objects.filter(order_id=order_id).select_related("reason")


def list_cancellation_reasons() -> QuerySet[CancellationReason]:
    """Every cancellation reason, to be narrowed by REASON_FILTERS and paginated."""
    return CancellationReason.objects.all()


def _items_with_order_number() -> QuerySet[OrderItem]:
    # Omnitron's item update command reads `order_number` from the item it fetched.
    return OrderItem.objects.annotate(order_number=F("order__number"))


def _funds_transfers() -> Prefetch:
    return Prefetch(
        "funds_transfer_transactions", queryset=FundsTransferTransaction.objects.only("id").order_by("id")
    )


def _order_not_found(order_id: int) -> NotFound:
    return NotFound(Problem("pk", ErrorCode.NOT_FOUND, f"Order {order_id} does not exist in this channel."))
