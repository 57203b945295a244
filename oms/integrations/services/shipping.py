"""Order shipping infos: which carrier an order ships with, and whether the channel was told."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from oms.channels.models import CargoCompany, Channel
from oms.core.errors import ErrorCode, Problem, ValidationFailed
from oms.core.lookup import channel_row_getter
from oms.integrations.models import OrderShippingInfo
from oms.integrations.schemas import SHIPPING_INFO_READ_ONLY, OrderShippingInfoIn
from oms.integrations.services.common import parse
from oms.orders.models import Order


def list_shipping_infos(*, channel: Channel) -> QuerySet[OrderShippingInfo]:
    return OrderShippingInfo.objects.filter(order__channel=channel).select_related("order")


get_shipping_info = channel_row_getter(list_shipping_infos, "Order shipping info")


@transaction.atomic
def set_shipping_info(*, channel: Channel, payload: Any) -> tuple[OrderShippingInfo, bool]:
    """Set the shipping info of one order of the channel (one per order: sending it again
    replaces it); returns it and whether it was created. ValidationFailed (400): an order of
    another channel, an order_number that is not the order's, an unknown cargo company."""
    data, _ = parse(OrderShippingInfoIn, payload, channel=channel, read_only=SHIPPING_INFO_READ_ONLY)
    order = Order.objects.filter(pk=data.order, channel=channel).first()
    problems = []
    if order is None:
        problems.append(
            Problem(
                "order", ErrorCode.NOT_FOUND, f"Order {data.order} does not exist in channel {channel.pk}."
            )
        )
    elif data.order_number is not None and data.order_number != order.number:
        problems.append(
            Problem(
                "order_number",
                ErrorCode.MISMATCH,
                f"Order {order.pk} is number {order.number}, not {data.order_number}.",
            )
        )
    if not CargoCompany.objects.filter(pk=data.shipping_company, is_active=True).exists():
        problems.append(
            Problem(
                "shipping_company",
                ErrorCode.NOT_FOUND,
                f"Cargo company {data.shipping_company} does not exist.",
            )
        )
    if problems:
        raise ValidationFailed(problems)
    values = {
        "order_number": order.number,
        "shipping_company_id": data.shipping_company,
        "is_send": bool(data.is_send),
    }
    try:
        with transaction.atomic():
            return OrderShippingInfo.objects.update_or_create(order=order, defaults=values)
    except IntegrityError:
        # A concurrent request created it first: ours replaces it.
        OrderShippingInfo.objects.filter(order=order).update(**values, modified_date=timezone.now())
        return OrderShippingInfo.objects.get(order=order), False
