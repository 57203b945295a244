"""CHANNEL_MODULE: the channel integration, channel-app's own with this marketplace's commands."""

from channel_app.channel.integration import ChannelIntegration as BaseChannelIntegration

from tests.channel_app_side.catalog_commands import (
    SendDeletedProducts,
    SendInsertedProducts,
    SendUpdatedPrices,
    SendUpdatedProducts,
    SendUpdatedStocks,
)
from tests.channel_app_side.commands import (
    GetCancellationRequests,
    GetCancelledOrders,
    GetOrders,
    GetUpdatedOrderItems,
    SendUpdatedOrders,
)


class ChannelIntegration(BaseChannelIntegration):
    actions = {
        **BaseChannelIntegration.actions,
        "get_orders": GetOrders,
        "get_cancelled_orders": GetCancelledOrders,
        "get_cancellation_requests": GetCancellationRequests,
        "get_updated_order_items": GetUpdatedOrderItems,
        "send_updated_orders": SendUpdatedOrders,
        "send_inserted_products": SendInsertedProducts,
        "send_updated_products": SendUpdatedProducts,
        "send_deleted_products": SendDeletedProducts,
        "send_updated_prices": SendUpdatedPrices,
        "send_inserted_prices": SendUpdatedPrices,
        "send_updated_stocks": SendUpdatedStocks,
        "send_inserted_stocks": SendUpdatedStocks,
    }
