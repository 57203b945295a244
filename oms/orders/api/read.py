"""GET routes: orders, one order with its items, order items, an order's history, cancellation
reasons. Every list is paginated (oms.core.pagination) and filtered (oms.orders.selectors)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from oms.access.services import get_channel_for
from oms.channels.models import Channel
from oms.core.http import json_response
from oms.core.listing import list_openapi
from oms.core.pagination import paginate
from oms.core.render import wire_datetime
from oms.orders import selectors
from oms.orders.api.router import router
from oms.orders.models import CancellationReason, OrderHistory, OrderItem
from oms.orders.presenters import item_to_wire, order_detail, order_summary, wire_status

PAGE = {200: dict}


@router.get(
    "/channel/{channel_id}/orders/",
    url_name="orders",
    summary="List the channel's orders (filters, sort, page or cursor)",
    response=PAGE,
    openapi_extra=list_openapi(selectors.ORDER_FILTERS, selectors.ORDER_SORTS),
)
def list_orders(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    page = paginate(
        request,
        selectors.list_orders(channel=channel),
        filters=selectors.ORDER_FILTERS,
        present=lambda order: order_summary(order, channel),
        sorts=selectors.ORDER_SORTS,
        default_sort=selectors.DEFAULT_ORDER_SORT,
    )
    return json_response(page)


@router.get(
    "/channel/{channel_id}/orders/{pk}/",
    url_name="order",
    summary="One order with its items (orderitem_set)",
    response={200: dict},
)
def get_order(request: HttpRequest, channel_id: int, pk: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    return json_response(order_detail(selectors.get_order(channel=channel, order_id=pk), channel))


@router.get(
    "/channel/{channel_id}/orders/{pk}/history/",
    url_name="order_history",
    summary="Every status change and cancellation of an order, oldest first",
    response=PAGE,
    openapi_extra=list_openapi([], selectors.HISTORY_SORTS),
)
def get_order_history(request: HttpRequest, channel_id: int, pk: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    history = selectors.list_order_history(channel=channel, order_id=pk)
    page = paginate(
        request,
        history,
        present=lambda entry: history_entry(entry, channel),
        sorts=selectors.HISTORY_SORTS,
        default_sort=selectors.DEFAULT_HISTORY_SORT,
    )
    return json_response(page)


@router.get(
    "/channel/{channel_id}/order_items/",
    url_name="order_items",
    summary="List the channel's order items (e.g. ?order=<pk>&sort=id)",
    response=PAGE,
    openapi_extra=list_openapi(selectors.ITEM_FILTERS, selectors.ITEM_SORTS),
)
def list_order_items(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    page = paginate(
        request,
        selectors.list_order_items(channel=channel),
        filters=selectors.ITEM_FILTERS,
        present=lambda item: order_item(item, channel),
        sorts=selectors.ITEM_SORTS,
        default_sort=selectors.DEFAULT_ITEM_SORT,
    )
    return json_response(page)


@router.get(
    "/channel/{channel_id}/order_items/{pk}/",
    url_name="order_item",
    summary="One order item",
    response={200: dict},
)
def get_order_item(request: HttpRequest, channel_id: int, pk: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    return json_response(order_item(selectors.get_order_item(channel=channel, item_id=pk), channel))


@router.get(
    "/channel/{channel_id}/cancellation_reasons/",
    url_name="cancellation_reasons",
    summary="Cancellation reasons (cancellation_type cancel or refund), managed in the admin",
    response=PAGE,
    openapi_extra=list_openapi(selectors.REASON_FILTERS, selectors.REASON_SORTS),
)
def list_cancellation_reasons(request: HttpRequest, channel_id: int) -> HttpResponse:
    get_channel_for(principal=request.auth, channel_id=channel_id)
    page = paginate(
        request,
        selectors.list_cancellation_reasons(),
        filters=selectors.REASON_FILTERS,
        present=cancellation_reason,
        sorts=selectors.REASON_SORTS,
        default_sort=selectors.DEFAULT_REASON_SORT,
    )
    return json_response(page)


# --- wire shapes ----------------------------------------------------------------------------------


def order_item(item: OrderItem, channel: Channel) -> dict[str, Any]:
    # Omnitron's item update command reads `order_number` back (selectors annotate it).
    return {**item_to_wire(item, channel=channel), "order_number": item.order_number}


_STATUS_KINDS = {OrderHistory.Kind.STATUS, OrderHistory.Kind.ORDER_STATUS, OrderHistory.Kind.CANCELLATION}


def history_entry(entry: OrderHistory, channel: Channel) -> dict[str, Any]:
    def value(raw: str) -> str | None:
        if not raw:
            return None
        return wire_status(raw, channel) if entry.kind in _STATUS_KINDS else raw

    return {
        "pk": entry.pk,
        "id": entry.pk,
        "order": entry.order_id,
        "item": entry.item_id,
        "kind": entry.kind,
        "from": value(entry.from_value),
        "to": value(entry.to_value),
        "reason": cancellation_reason(entry.reason) if entry.reason else None,
        "note": entry.note,
        "changes": entry.changes,
        "actor": entry.actor,
        "api_key": entry.api_key_id,
        "user": entry.user_id,
        "created_date": wire_datetime(entry.created_date),
    }


def cancellation_reason(reason: CancellationReason) -> dict[str, Any]:
    return {
        "pk": reason.pk,
        "id": reason.pk,
        "reason": reason.reason,
        "code": reason.code,
        "cancellation_type": reason.cancellation_type,
        "is_active": reason.is_active,
        "created_date": wire_datetime(reason.created_date),
        "modified_date": wire_datetime(reason.modified_date),
    }
