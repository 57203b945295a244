"""The order and item as answered on the wire (the page's response shape plus `pk` and `id`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from oms.channels.models import Channel
from oms.core.render import money, wire_date, wire_datetime
from oms.orders.enums import ORDER_STATUS_CODES, CancelStatus
from oms.orders.models import Order, OrderItem

# When items disagree, the order's cancel_status is the least advanced one present.
_CANCEL_PRECEDENCE = [
    CancelStatus.WAITING,
    CancelStatus.CONFIRMATION_WAITING,
    CancelStatus.WAITING_FOR_PAYMENT,
    CancelStatus.APPROVED,
    CancelStatus.CONFIRMED,
    CancelStatus.REJECTED,
]


def wire_status(status: str, channel: Channel) -> str:
    return ORDER_STATUS_CODES[status] if channel.status_format == Channel.StatusFormat.CODE else status


def summarise_cancel_status(item_statuses: Iterable[str | None]) -> str | None:
    present = {status for status in item_statuses if status}
    return next((str(status) for status in _CANCEL_PRECEDENCE if status in present), None)


def order_to_wire(
    order: Order, *, channel: Channel, items: Sequence[OrderItem], fund_transfer_ids: Sequence[int]
) -> dict[str, Any]:
    """The order as create answers it; `order.cargo_company` and `order.payment_option` are read."""
    payment_option = order.payment_option
    return {
        "pk": order.pk,
        "id": order.pk,
        "number": order.number,
        "channel": order.channel_id,
        "status": wire_status(order.status, channel),
        "date_placed": wire_datetime(order.date_placed),
        "customer": order.customer_id,
        "shipping_address": order.shipping_address_id,
        "billing_address": order.billing_address_id,
        "currency": order.currency,
        "amount": money(order.amount),
        "shipping_amount": money(order.shipping_amount),
        "shipping_tax_rate": money(order.shipping_tax_rate),
        "extra_field": order.extra_field,
        "payment_option": order.payment_option_id,
        "payment_option_slug": order.payment_option_slug,
        "bin_number": order.bin_number,
        "installment": order.installment,
        "installment_count": order.installment_count,
        "delivery_type": order.delivery_type or None,
        "installment_interest_amount": money(order.installment_interest_amount),
        "cargo_company": order.cargo_company_id,
        "invoice_number": order.invoice_number,
        "invoice_date": wire_datetime(order.invoice_date),
        "e_archive_url": order.e_archive_url,
        "refund_amount": money(order.refund_amount),
        "discount_refund_amount": money(order.discount_refund_amount),
        "shipping_refund_amount": money(order.shipping_refund_amount),
        "discount_amount": money(order.discount_amount),
        "is_send": order.is_send,
        "net_shipping_amount": money(order.net_shipping_amount),
        "shipping_interest_amount": money(order.shipping_interest_amount),
        "tracking_number": order.tracking_number,
        "carrier_shipping_code": order.carrier_shipping_code,
        "remote_addr": order.remote_addr,
        "fundstransfertransaction_set": list(fund_transfer_ids),
        "has_gift_box": order.has_gift_box,
        "gift_box_note": order.gift_box_note,
        "external_status": order.external_status_id,
        "client_type": order.client_type,
        "language_code": order.language_code,
        "notes": order.notes,
        "delivery_range": {
            "start": wire_datetime(order.delivery_range_start),
            "end": wire_datetime(order.delivery_range_end),
        },
        "shipping_option_slug": order.shipping_option_slug,
        "segment": order.segment,
        "modified_date": wire_datetime(order.modified_date),
        "checkout_provider_id": order.checkout_provider_id,
        "created_date": wire_datetime(order.created_date),
        "cancellation_info": order.cancellation_info,
        "shipping_company": order.cargo_company.code if order.cargo_company else None,
        "cancel_status": summarise_cancel_status(item.cancel_status for item in items),
        "defined_tracking_url": order.defined_tracking_url,
        "installment_free": not order.installment_interest_amount,
        "first_refund_strategy": (payment_option.first_refund_strategy or None) if payment_option else None,
        "totals_mismatch": order.totals_mismatch,
    }


def item_to_wire(item: OrderItem, *, channel: Channel) -> dict[str, Any]:
    return {
        "pk": item.pk,
        "id": item.pk,
        "order": item.order_id,
        "product": item.product_id,
        "status": wire_status(item.status, channel),
        "price_currency": item.price_currency,
        "price": money(item.price),
        "quantity": item.quantity,
        "unit_price": money(item.unit_price),
        "total_price": money(item.total_price),
        "tax_rate": money(item.tax_rate),
        "tax_amount": money(item.tax_amount),
        "extra_field": item.extra_field,
        "price_list": item.price_list_id,
        "stock_list": item.stock_list_id,
        "shipping_company": item.shipping_company,
        "shipment_code": item.shipment_code,
        "attributes": item.attributes,
        "attributes_kwargs": item.attributes_kwargs,
        "cancel_status": item.cancel_status,
        "installment_interest_amount": money(item.installment_interest_amount),
        "is_tradable": item.is_tradable,
        "datasource": item.datasource_id,
        "localized_attributes": item.localized_attributes,
        "localized_attributes_kwargs": item.localized_attributes_kwargs,
        "cancellation_reconciliation": item.cancellation_reconciliation_id,
        "reconciliation": item.reconciliation_id,
        "forced_refund": item.forced_refund,
        "original_stock": item.original_stock,
        "shipping_option_group": item.shipping_option_group_id,
        "discount_amount": money(item.discount_amount),
        "retail_price": money(item.retail_price),
        "image": item.image or None,
        "parent": item.parent_id,
        "estimated_delivery_date": wire_date(item.estimated_delivery_date),
        "defined_tracking_url": item.defined_tracking_url,
        "defined_shipping_company": item.defined_shipping_company,
        "tracking_number": item.tracking_number,
        "carrier_shipping_code": item.carrier_shipping_code,
        "invoice_number": item.invoice_number,
        "invoice_date": wire_datetime(item.invoice_date),
        "delivered_date": wire_datetime(item.delivered_date),
        "created_date": wire_datetime(item.created_date),
        "modified_date": wire_datetime(item.modified_date),
    }


def order_summary(order: Order, channel: Channel) -> dict[str, Any]:
    """A list row: the order exactly as create answers it (selectors.list_orders prefetched it)."""
    return order_to_wire(
        order,
        channel=channel,
        items=order.cancel_status_items,
        fund_transfer_ids=[transfer.pk for transfer in order.funds_transfer_transactions.all()],
    )


def order_detail(order: Order, channel: Channel) -> dict[str, Any]:
    """The order as create answers it, plus its items (`orderitem_set`)."""
    items = list(order.orderitem_set.all())
    body = order_to_wire(
        order,
        channel=channel,
        items=items,
        fund_transfer_ids=[transfer.pk for transfer in order.funds_transfer_transactions.all()],
    )
    body["orderitem_set"] = [item_to_wire(item, channel=channel) for item in items]
    return body
