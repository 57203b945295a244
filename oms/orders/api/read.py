"""GET routes: orders, one order with its items, order items, an order's history, cancellation
reasons. Every list is paginated (oms.core.pagination) and filtered (oms.orders.selectors)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from oms.access.services import get_channel_for
from oms.channels.models import Channel
from oms.core.http import json_response
from oms.core.listing import list_openapi, list_page, page_of
from oms.core.resources import Resource
from oms.orders import selectors
from oms.orders.api.router import router
from oms.orders.models import OrderItem
from oms.orders.presenters import order_detail, order_summary
from oms.orders.schemas import (
    CancellationReasonOut,
    OrderDetailOut,
    OrderHistoryOut,
    OrderItemRowOut,
    OrderOut,
)

ORDERS = "/channel/{channel_id}/orders/"


# The order answers need more than the channel in their context (items, funds transfers): the
# two order routes are written out, on the pattern's pieces.
@router.get(
    ORDERS,
    summary="List the channel's orders (filters, sort, page or cursor)",
    response={200: page_of(OrderOut)},
    openapi_extra=list_openapi(selectors.ORDER_FILTERS, selectors.ORDER_SORTS),
)
def list_orders(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    page = list_page(
        request,
        selectors.list_orders(channel=channel),
        filters=selectors.ORDER_FILTERS,
        present=lambda order: order_summary(order, channel),
        sorts=selectors.ORDER_SORTS,
        default_sort=selectors.DEFAULT_ORDER_SORT,
    )
    return json_response(page)


@router.get(
    ORDERS + "{pk}/", summary="One order with its items (orderitem_set)", response={200: OrderDetailOut}
)
def get_order(request: HttpRequest, channel_id: int, pk: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    return json_response(order_detail(selectors.get_order(channel=channel, order_id=pk), channel))


@router.get(
    ORDERS + "{pk}/history/",
    summary="Every status change and cancellation of an order, oldest first",
    response={200: page_of(OrderHistoryOut)},
    by_alias=True,  # the document names `from_` by its wire name, `from`, as the renderer writes it
    openapi_extra=list_openapi([], selectors.HISTORY_SORTS),
)
def get_order_history(request: HttpRequest, channel_id: int, pk: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    page = list_page(
        request,
        selectors.list_order_history(channel=channel, order_id=pk),
        filters=[],
        present=OrderHistoryOut.presenter(channel=channel),
        sorts=selectors.HISTORY_SORTS,
        default_sort=selectors.DEFAULT_HISTORY_SORT,
    )
    return json_response(page)


def get_order_item(*, channel: Channel, pk: int) -> OrderItem:
    return selectors.get_order_item(channel=channel, item_id=pk)


ORDER_ITEMS = Resource(
    "order_items",
    OrderItemRowOut,
    "order_item",
    rows=selectors.list_order_items,
    get=get_order_item,
    filters=selectors.ITEM_FILTERS,
    sorts=selectors.ITEM_SORTS,
    default_sort=selectors.DEFAULT_ITEM_SORT,
    summaries={"list": "List the channel's order items (e.g. ?order=<pk>&sort=id)", "get": "One order item"},
)
ORDER_ITEMS.register(router)
Resource(
    "cancellation_reasons",
    CancellationReasonOut,
    "cancellation_reason",
    rows=selectors.list_cancellation_reasons,
    filters=selectors.REASON_FILTERS,
    sorts=selectors.REASON_SORTS,
    default_sort=selectors.DEFAULT_REASON_SORT,
    summaries={"list": "Cancellation reasons (cancellation_type cancel or refund), managed in the admin"},
).register(router)
