"""channel/{channel_id}/orders/updates/: orders changed since the channel last received them."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from oms.access.services import get_channel_for
from oms.core.http import json_response
from oms.core.listing import list_openapi, list_page, page_of
from oms.integrations.api.router import router
from oms.integrations.services.updates import list_order_updates
from oms.orders.presenters import order_summary
from oms.orders.schemas import OrderOut
from oms.orders.selectors import ORDER_FILTERS

UPDATE_SORTS = {"modified_date": "modified_date", "id": "pk"}


@router.get(
    "/channel/{channel_id}/orders/updates/",
    response={200: page_of(OrderOut)},
    summary="Orders changed since the channel last received them (oldest change first)",
    openapi_extra=list_openapi(ORDER_FILTERS, UPDATE_SORTS),
)
def list_order_updates_view(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    page = list_page(
        request,
        list_order_updates(channel=channel),
        filters=ORDER_FILTERS,
        present=lambda order: order_summary(order, channel),
        sorts=UPDATE_SORTS,
        default_sort="modified_date",
    )
    return json_response(page)
