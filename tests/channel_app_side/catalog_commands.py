"""The channel's catalog commands, as channel-app's template writes them: products (with the
price and stock channel-app attaches), prices, stock and deletions go to the marketplace's
catalog API, synchronously, and its row-by-row answers are mapped to channel-app's DTOs."""

from __future__ import annotations

from typing import Any

from channel_app.core.data import BatchRequestResponseDto, ErrorReportDto, ProductBatchRequestResponseDto

from tests.channel_app_side.catalog import CATALOG, money
from tests.channel_app_side.commands import _MarketplaceCommand


class _Send(_MarketplaceCommand):
    answer = BatchRequestResponseDto

    def normalize_response(
        self, data, validated_data, transformed_data, response
    ) -> tuple[list, list[ErrorReportDto], Any]:
        return [self.answer(**row) for row in response], self.create_report(response), data


class SendInsertedProducts(_Send):
    """New listings: the product with the catalog price, stock and category channel-app attached."""

    answer = ProductBatchRequestResponseDto
    what = "insert"

    def send_request(self, transformed_data: Any) -> list[dict[str, Any]]:
        rows = [
            {
                "sku": product.sku,
                "name": product.name,
                "price": money(product.productprice.price),
                "stock": product.productstock.adjusted_stock,
                "category": product.category_nodes[0]["name"],
            }
            for product in transformed_data
        ]
        return CATALOG.put_products(rows, what=self.what)


class SendUpdatedProducts(SendInsertedProducts):
    what = "update"


class SendDeletedProducts(_Send):
    """Remove the listings of the products' links (integration actions), by the marketplace's id
    and the product's sku (channel-app attaches the product to each link)."""

    answer = ProductBatchRequestResponseDto

    def send_request(self, transformed_data: Any) -> list[dict[str, Any]]:
        return CATALOG.delete({link.remote_id: link.product.sku for link in transformed_data})


class SendUpdatedPrices(_Send):
    def send_request(self, transformed_data: Any) -> list[dict[str, Any]]:
        return CATALOG.set_field("price", {row.remote_id: money(row.price) for row in transformed_data})


class SendUpdatedStocks(_Send):
    """What the channel may sell: the adjusted stock (stock less sold and not yet reported)."""

    def send_request(self, transformed_data: Any) -> list[dict[str, Any]]:
        return CATALOG.set_field("stock", {row.remote_id: row.adjusted_stock for row in transformed_data})
