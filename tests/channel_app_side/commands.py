"""The channel's commands, as channel-app's template writes them: each reads the marketplace
(`send_request`) and maps its answer to channel-app's DTOs (`normalize_response`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from channel_app.core.commands import ChannelCommandInterface
from channel_app.core.data import (
    AddressDto,
    CancellationRequestDto,
    CancelOrderDto,
    ChannelCreateOrderDto,
    ChannelOrderDto,
    ChannelUpdateOrderItemDto,
    CustomerDto,
    ErrorReportDto,
    OrderBatchRequestResponseDto,
    OrderItemDto,
)

from tests.channel_app_side.marketplace import MARKETPLACE


class _MarketplaceCommand(ChannelCommandInterface):
    def get_data(self) -> Any:
        return self.objects

    def validated_data(self, data: Any) -> Any:
        return data

    def transform_data(self, data: Any) -> Any:
        return data


class GetOrders(_MarketplaceCommand):
    """New orders of the marketplace, one ChannelCreateOrderDto each."""

    def send_request(self, transformed_data: Any) -> list[dict[str, Any]]:
        return MARKETPLACE.list_orders()

    def normalize_response(
        self, data, validated_data, transformed_data, response
    ) -> Iterator[tuple[ChannelCreateOrderDto, list[ErrorReportDto], None]]:
        for remote in response:
            order = dict(remote["order"])
            channel_order = ChannelOrderDto(
                **{
                    **order,
                    "customer": CustomerDto(**order["customer"]),
                    "shipping_address": AddressDto(**order["shipping_address"]),
                    "billing_address": AddressDto(**order["billing_address"]),
                }
            )
            lines = [OrderItemDto(**line) for line in remote["order_items"]]
            report = self.create_report(remote)
            yield ChannelCreateOrderDto(order=channel_order, order_item=lines), report, None


class GetCancelledOrders(_MarketplaceCommand):
    """Lines the marketplace cancelled, grouped by order."""

    def send_request(self, transformed_data: Any) -> list[dict[str, Any]]:
        return MARKETPLACE.list_cancelled_lines()

    def normalize_response(
        self, data, validated_data, transformed_data, response
    ) -> Iterator[tuple[CancelOrderDto, ErrorReportDto, Any]]:
        # OrderService.fetch_and_create_cancel posts the report it gets as one ErrorReportDto.
        report = self.create_report(response)[0]
        for row in response:
            yield (
                CancelOrderDto(order=row["order"], cancel_items=row["cancel_items"], reasons=row["reasons"]),
                report,
                data,
            )


class GetCancellationRequests(_MarketplaceCommand):
    """Customers' requests to cancel or refund a line, not yet decided."""

    def send_request(self, transformed_data: Any) -> list[dict[str, Any]]:
        return MARKETPLACE.list_cancellation_requests()

    def normalize_response(
        self, data, validated_data, transformed_data, response
    ) -> Iterator[tuple[CancellationRequestDto, list[ErrorReportDto], Any]]:
        report = self.create_report(response)
        for row in response:
            request = CancellationRequestDto(
                order_item=row["line_id"],
                reason=row["reason_code"],
                remote_id=row["id"],
                description=row.get("note", ""),
                cancellation_type=row["type"],
            )
            yield request, report, data


class GetUpdatedOrderItems(_MarketplaceCommand):
    """Lines the marketplace changed (shipped, invoiced...), by the marketplace's line id."""

    def send_request(self, transformed_data: Any) -> list[dict[str, Any]]:
        return MARKETPLACE.list_line_updates()

    def normalize_response(
        self, data, validated_data, transformed_data, response
    ) -> Iterator[tuple[ChannelUpdateOrderItemDto, list[ErrorReportDto], None]]:
        for row in response:
            yield ChannelUpdateOrderItemDto(**row), self.create_report(row), None


class SendUpdatedOrders(_MarketplaceCommand):
    """Send the shop's changed orders to the marketplace (synchronously)."""

    def send_request(self, transformed_data: Any) -> list[dict[str, Any]]:
        return MARKETPLACE.receive_orders([order.number for order in transformed_data])

    def normalize_response(
        self, data, validated_data, transformed_data, response
    ) -> tuple[list[OrderBatchRequestResponseDto], list[ErrorReportDto], Any]:
        answers = [OrderBatchRequestResponseDto(**row) for row in response]
        return answers, self.create_report(response), data
