"""Rules across fields and references, checked once the schema and the lookups have answered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from oms.channels.models import Channel
from oms.core.errors import ErrorCode, Problem
from oms.core.render import CENT
from oms.orders.schemas import OrderCreateIn
from oms.orders.services.references import Resolved


def cross_field_problems(*, channel: Channel, data: OrderCreateIn, resolved: Resolved) -> list[Problem]:
    """Rules between fields of a request the schema accepted; a reference that did not resolve is
    skipped here (it is already reported as not_found)."""
    order = data.order
    problems = []
    if order.channel is not None and order.channel != channel.pk:
        problems.append(
            Problem(
                "order.channel",
                ErrorCode.MISMATCH,
                f"order.channel is {order.channel} but the URL's channel is {channel.pk}.",
            )
        )
    option = resolved.payment_options.get(order.payment_option) if order.payment_option else None
    if option is not None and order.payment_option_slug and order.payment_option_slug != option.code:
        problems.append(
            Problem(
                "order.payment_option_slug",
                ErrorCode.MISMATCH,
                f'Payment option {option.pk} has slug "{option.code}", not "{order.payment_option_slug}".',
            )
        )
    customer = resolved.customers.get(order.customer)
    customer_usable = customer is not None and customer.channel_id == channel.pk
    for field in ("shipping_address", "billing_address"):
        address = resolved.addresses.get(getattr(order, field))
        if (
            customer_usable
            and address is not None
            and address.channel_id == channel.pk
            and address.customer_id != order.customer
        ):
            problems.append(
                Problem(
                    f"order.{field}",
                    ErrorCode.MISMATCH,
                    f"Address {address.pk} does not belong to customer {order.customer}.",
                )
            )
    for index, item in enumerate(data.order_item):
        if item.price_currency is not None and item.price_currency != order.currency:
            problems.append(
                Problem(
                    f"order_item.{index}.price_currency",
                    ErrorCode.MISMATCH,
                    f'Item currency "{item.price_currency}" differs from the order currency "{order.currency}".',
                )
            )
    window = order.delivery_range
    if window and window.start and window.end and window.start > window.end:
        problems.append(
            Problem(
                "order.delivery_range.end", ErrorCode.OUT_OF_RANGE, "delivery_range.end is before its start."
            )
        )
    skew = settings.OMS_DATE_PLACED_MAX_SKEW_SECONDS
    if order.date_placed > timezone.now() + timedelta(seconds=skew):
        problems.append(
            Problem(
                "order.date_placed",
                ErrorCode.OUT_OF_RANGE,
                f"date_placed lies more than {skew} seconds in the future.",
            )
        )
    return problems


@dataclass(frozen=True, slots=True)
class Totals:
    """What the sent totals should have been; empty `problems` when everything adds up."""

    computed: dict
    problems: list[Problem]


def check_totals(data: OrderCreateIn) -> Totals:
    """Each item's total_price = price x quantity; amount = sum(total_price) + shipping - discount."""
    problems = []
    item_totals = []
    for index, item in enumerate(data.order_item):
        expected = (item.price * item.effective_quantity).quantize(CENT)
        total = item.effective_total.quantize(CENT)
        item_totals.append(total)
        if total != expected:
            problems.append(
                Problem(
                    f"order_item.{index}.total_price",
                    ErrorCode.MISMATCH,
                    f"total_price is {total}, price x quantity is {expected}.",
                )
            )
    order = data.order
    expected_amount = (
        sum(item_totals, Decimal(0)) + (order.shipping_amount or 0) - (order.discount_amount or 0)
    ).quantize(CENT)
    if order.amount.quantize(CENT) != expected_amount:
        problems.append(
            Problem(
                "order.amount",
                ErrorCode.MISMATCH,
                f"amount is {order.amount.quantize(CENT)}; items + shipping_amount - discount_amount is {expected_amount}.",
            )
        )
    computed = (
        {"amount": str(expected_amount), "item_total_prices": [str(t) for t in item_totals]}
        if problems
        else {}
    )
    return Totals(computed, problems)
