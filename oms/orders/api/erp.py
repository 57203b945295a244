"""The ERP's routes (Omnitron's integration API), for keys with the `erp` grant: every channel's
orders, `is_send`, and item mappings that release reserved stock. Served under /api/v1/ and under
/api/i1/, the prefix Omnitron's ERP documentation uses (oms/urls.py)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router

from oms.core.http import json_response, read_json
from oms.core.listing import list_openapi, list_page, page_of
from oms.core.openapi import json_body
from oms.orders import selectors
from oms.orders.presenters import order_detail, order_summary
from oms.orders.schemas import OrderDetailOut, OrderOut
from oms.orders.schemas_manage import MappingIn, MappingOut, OrderSentIn
from oms.orders.services import erp
from oms.orders.services.manage import Actor

erp_router = Router(tags=["erp"])
ERP = "Needs a key with the erp grant (oms token create --erp); every channel's orders."


@erp_router.get(
    "/orders/",
    summary="Every channel's orders, for the ERP (e.g. ?is_send=false&status=400)",
    description=ERP,
    response={200: page_of(OrderOut)},
    openapi_extra=list_openapi(selectors.ERP_ORDER_FILTERS, selectors.ORDER_SORTS),
)
def list_erp_orders(request: HttpRequest) -> HttpResponse:
    erp.require_erp_grant(principal=request.auth)
    page = list_page(
        request,
        selectors.list_erp_orders(),
        filters=selectors.ERP_ORDER_FILTERS,
        present=lambda order: order_summary(order, order.channel),
        sorts=selectors.ORDER_SORTS,
        default_sort=selectors.DEFAULT_ORDER_SORT,
    )
    return json_response(page)


@erp_router.get(
    "/orders/{pk}/",
    summary="One order with its items, for the ERP",
    description=ERP,
    response={200: OrderDetailOut},
)
def get_erp_order(request: HttpRequest, pk: int) -> HttpResponse:
    erp.require_erp_grant(principal=request.auth)
    channel = erp.get_order_any_channel(order_id=pk).channel
    return json_response(order_detail(selectors.get_order(channel=channel, order_id=pk), channel))


@erp_router.patch(
    "/orders/{pk}/",
    summary='Mark an order picked up by the ERP: only {"is_send": true}',
    description=ERP,
    response={200: OrderOut},
    openapi_extra=json_body(OrderSentIn),
)
def mark_order_sent(request: HttpRequest, pk: int) -> HttpResponse:
    erp.require_erp_grant(principal=request.auth)
    order = erp.mark_order_sent(order_id=pk, payload=read_json(request), actor=Actor.for_key(request.auth))
    listed = selectors.list_erp_orders().get(pk=order.pk)  # as the ERP's list answers it
    return json_response(order_summary(listed, listed.channel))


@erp_router.post(
    "/order_items/{pk}/create_mapping/",
    summary="Map an order item to the ERP's line; update_stock releases its reservation once",
    description=ERP,
    response={200: MappingOut},
    openapi_extra=json_body(MappingIn),
)
def create_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    erp.require_erp_grant(principal=request.auth)
    mapping = erp.create_mapping(item_id=pk, payload=read_json(request), actor=Actor.for_key(request.auth))
    return json_response(MappingOut.render(mapping))
