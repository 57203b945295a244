"""channel/{channel_id}/order_shipping_infos/: the carrier of an order and whether it was sent."""

from __future__ import annotations

from oms.core.resources import Resource
from oms.integrations.api.filters import SHIPPING_INFO_FILTERS
from oms.integrations.api.router import router
from oms.integrations.schemas import OrderShippingInfoIn
from oms.integrations.schemas_out import OrderShippingInfoOut
from oms.integrations.services import shipping as services

Resource.of(
    services,
    "shipping_info",
    OrderShippingInfoOut,
    "list get",
    path="order_shipping_infos",
    filters=SHIPPING_INFO_FILTERS,
    body=OrderShippingInfoIn,
    create=services.set_shipping_info,
    upsert=True,
    names={"create": "set_shipping_info"},
    summaries={
        "list": "List order shipping infos",
        "get": "Retrieve an order shipping info",
        "create": "Set an order's shipping info (200: replaced the existing one)",
    },
).register(router)
