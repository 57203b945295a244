"""create_order: the one write path of SalesChannelCreateOrder."""

from __future__ import annotations

import logging
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from oms.catalog.services.stock import OutOfStock
from oms.channels.models import CargoCompany, Channel, PaymentOption
from oms.core.errors import Conflict, ErrorCode, Problem, ValidationFailed
from oms.core.render import to_cents
from oms.orders.enums import OrderStatus
from oms.orders.models import Order, OrderItem
from oms.orders.schemas import OrderCreateIn, OrderIn, OrderItemIn
from oms.orders.services.checks import check_totals, cross_field_problems
from oms.orders.services.digest import payload_hash, same_content
from oms.orders.services.events import order_data
from oms.orders.services.parse import ParsedRequest, parse_order_request, too_many_items
from oms.orders.services.references import Resolved, resolve_references
from oms.orders.services.reservations import reserve_items, settle_reservation, stock_wants
from oms.orders.services.store import (
    insert_orders,
    insert_reserving_order,
    link_transfers,
    needs_transaction,
    new_instance,
    reserves_in_insert,
    stored_instance,
)

log = logging.getLogger(__name__)

# Order fields that are not copied from the request as they are.
_ORDER_SPECIAL = {
    "channel",
    "delivery_range",
    "fundstransfertransaction_set",
    "modified_date",
    "created_date",
    "checkout_provider_id",
    "net_shipping_amount",
}
_ITEM_SPECIAL = {"quantity", "unit_price", "total_price", "status", "price_currency"}
_ORDER_REFS = {
    "customer",
    "shipping_address",
    "billing_address",
    "payment_option",
    "cargo_company",
    "external_status",
}
_ITEM_REFS = {
    "product",
    "price_list",
    "stock_list",
    "datasource",
    "shipping_option_group",
    "reconciliation",
    "cancellation_reconciliation",
    "parent",
}
# Request field -> model attname: references are stored in their `_id` column.
_ORDER_ATTNAMES = {name: f"{name}_id" for name in _ORDER_REFS}
_ITEM_ATTNAMES = {name: f"{name}_id" for name in _ITEM_REFS}


@dataclass(frozen=True)
class OrderCreated:
    """The order answered, with its items and funds transfer ids: the instances just written, or
    the stored ones of a replay (the same types either way)."""

    order: Order
    items: list[OrderItem]
    fund_transfer_ids: list[int]
    replayed: bool = False
    warnings: list[str] = field(default_factory=list)
    # A created order's detail answer, rendered for its event before the insert (ids None): the
    # create's answer is made from it (`presenters.created_order_to_wire`). None for a replay.
    detail: dict[str, Any] | None = None


def create_order(*, channel: Channel, payload: Any) -> OrderCreated:
    """Validate a create_orders request completely, then write the order and its items atomically.

    Raises ValidationFailed with every problem at once (schema, references, cross-field rules,
    totals when the channel rejects mismatches); nothing is written then. A second request with
    the same number is a replay (same content: the stored order, `replayed=True`) or a Conflict.
    """
    if (too_many := too_many_items(payload)) is not None:
        raise ValidationFailed(too_many)
    parsed = parse_order_request(payload, strict_fields=channel.strict_fields)
    resolved, ref_problems = resolve_references(channel=channel, payload=payload)
    problems, prepared = prepare_order(
        channel=channel, parsed=parsed, resolved=resolved, ref_problems=ref_problems
    )
    if problems:
        raise ValidationFailed(problems)
    return write_order(
        prepared,
        channel=channel,
        stock_policy=channel.stock_policy,
        resolve_again=lambda: resolve_references(channel=channel, payload=payload),
    )


@dataclass
class PreparedOrder:
    """A validated request turned into unsaved instances, ready to be written."""

    order: Order
    items: list[OrderItem]
    transfers: list[int]
    warnings: list[str]


def prepare_order(
    *, channel: Channel, parsed: ParsedRequest, resolved: Resolved, ref_problems: list[Problem]
) -> tuple[list[Problem], PreparedOrder | None]:
    """Every problem of one request (schema, references, cross-field rules, totals when the
    channel rejects mismatches), or the unsaved order when there is none. Shared by the single
    and the bulk create paths so both validate exactly alike."""
    problems = parsed.problems + ref_problems
    warnings = [
        f"Unknown field ignored: {path}" for path in parsed.unknown_fields if not channel.strict_fields
    ]
    totals = None
    if parsed.data is not None:  # with reference problems too: every problem in one answer
        problems += cross_field_problems(channel=channel, data=parsed.data, resolved=resolved)
        totals = check_totals(parsed.data)
        if totals.problems and channel.totals_check == Channel.TotalsCheck.REJECT:
            problems += totals.problems
    if problems:
        return problems, None
    if warnings:
        # %r: the order number and the field names are the client's text (a newline, an escape)
        log.warning("channel %s order %r: %r", channel.pk, parsed.data.order.number, warnings)
    mismatch = bool(totals.problems) and channel.totals_check == Channel.TotalsCheck.WARN
    if mismatch:
        warnings.append("Totals do not add up: " + " ".join(p.message for p in totals.problems))
    order, items, transfers = build_order(channel=channel, data=parsed.data, resolved=resolved)
    if mismatch:
        order.totals_mismatch, order.totals_computed = True, totals.computed
    return [], PreparedOrder(order, items, transfers, warnings)


def write_order(
    prepared: PreparedOrder, *, channel: Channel, stock_policy: str, resolve_again
) -> OrderCreated:
    """Reserve the items' stock (`stock_policy`) and insert the order, in one transaction: a
    refused or replayed order reserves nothing. Raises OutOfStock (a `reject` policy's order
    lacking units, unless it is a replay), Conflict, or ValidationFailed for a reference deleted
    since it was resolved."""
    order, items, transfers = prepared.order, prepared.items, prepared.transfers
    reserving = stock_policy != Channel.StockPolicy.IGNORE
    # PostgreSQL reserves in the insert's own statement, which needs no transaction around it.
    in_one_statement = reserving and reserves_in_insert()
    two_steps = reserving and not in_one_statement
    # Reference lookups ran before this transaction so SQLite's write lock is held only for the
    # inserts; foreign keys catch a referenced row deleted in between (reported as a 400 below).
    try:
        with transaction.atomic() if two_steps or transfers or needs_transaction() else nullcontext():
            if in_one_statement:
                wants = stock_wants([(order, items)], channel=channel)
                detail = order_data(order, channel=channel, items=items, fund_transfer_ids=transfers)
                found = insert_reserving_order(
                    order,
                    items,
                    created=detail,
                    stock_lists=[want.stock_list_id for want in wants],
                    reject=stock_policy == Channel.StockPolicy.REJECT,
                )
                if short := settle_reservation(items, wants, found, channel=channel):
                    raise OutOfStock(short)
            else:
                if reserving:
                    now = order.created_date
                    short = reserve_items([(order, items)], channel=channel, policy=stock_policy, now=now)
                    if short:
                        raise OutOfStock(short[0])
                detail = order_data(order, channel=channel, items=items, fund_transfer_ids=transfers)
                insert_orders(
                    [(order, items)],
                    created=[detail],
                    reserved_at=order.created_date if reserving else None,
                )
            if transfers:
                link_transfers([(order.pk, pk) for pk in transfers])
    except OutOfStock:
        existing = _stored(order)
        if existing is None:
            raise
        return _replay_or_conflict(existing, order, items, transfers)
    except IntegrityError:
        existing = _stored(order)
        if existing is None:
            _, problems = resolve_again()
            if problems:
                raise ValidationFailed(problems) from None
            raise
        return _replay_or_conflict(existing, order, items, transfers)
    return OrderCreated(order, items, transfers, warnings=prepared.warnings, detail=detail)


def _stored(order: Order) -> Order | None:
    """The stored order of the same number: a replay or a conflict of `order`."""
    return (
        Order.objects.filter(channel_id=order.channel_id, number=order.number)
        .select_related("cargo_company", "payment_option")
        .first()
    )


def _replay_or_conflict(
    existing: Order, order: Order, items: list[OrderItem], transfers: list[int]
) -> OrderCreated:
    if not same_content(existing.payload_hash, order, items, transfers):
        raise Conflict(
            Problem(
                "order.number",
                ErrorCode.DUPLICATE,
                f'Order "{existing.number}" already exists in channel {existing.channel_id} (id {existing.pk}) '
                "with different content.",
            ),
            existing_id=existing.pk,
        )
    stored_items = list(existing.orderitem_set.order_by("id"))
    stored_transfers = list(existing.funds_transfer_transactions.order_by("id").values_list("id", flat=True))
    return OrderCreated(existing, stored_items, stored_transfers, replayed=True)


def build_order(
    *, channel: Channel, data: OrderCreateIn, resolved: Resolved
) -> tuple[Order, list[OrderItem], list[int]]:
    """The unsaved order and items of a validated request, with defaults and derived fields."""
    now = timezone.now()
    order = new_instance(
        Order,
        _order_values(data.order) | {"channel_id": channel.pk, "created_date": now, "modified_date": now},
    )
    # The answer reads the cargo company's code and the payment option's refund strategy: the
    # related instances are cached with the columns resolved (the others load if read), or None
    # when there is none (as the descriptor caches it, and sooner).
    related = order._state.fields_cache
    related["cargo_company"] = related["payment_option"] = None
    if cargo := resolved.cargo_companies.get(data.order.cargo_company):
        related["cargo_company"] = stored_instance(CargoCompany, {"id": cargo.pk, "code": cargo.code})
    if option := resolved.payment_options.get(data.order.payment_option):
        related["payment_option"] = stored_instance(
            PaymentOption,
            {
                "id": option.pk,
                "channel_id": option.channel_id,
                "slug": option.code,
                "first_refund_strategy": option.text,
            },
        )
    items = [_item(item, data.order, resolved, now) for item in data.order_item]
    transfers = sorted(set(data.order.fundstransfertransaction_set or []))
    order.payload_hash = payload_hash(order, items, transfers)
    return order, items, transfers


def _order_values(order: OrderIn) -> dict[str, Any]:
    # The model's __dict__ holds its fields' values (iterating the model is several times slower).
    sent = {k: v for k, v in order.__dict__.items() if v is not None and k not in _ORDER_SPECIAL}
    values = {_ORDER_ATTNAMES.get(name, name): _q(value) for name, value in sent.items()}
    values["checkout_provider_id"] = order.checkout_provider_id
    if order.delivery_range is not None:
        values["delivery_range_start"] = order.delivery_range.start
        values["delivery_range_end"] = order.delivery_range.end
    shipping = _q(order.shipping_amount or Decimal(0))
    rate = order.shipping_tax_rate or Decimal(0)
    # Sent by Omnitron's own client: stored as sent; otherwise derived (half-up to the cent).
    values["net_shipping_amount"] = (
        _q(order.net_shipping_amount)
        if order.net_shipping_amount is not None
        else _q(shipping / (1 + rate / 100))
    )
    return values


def _item_values(item: OrderItemIn, order: OrderIn) -> dict[str, Any]:
    sent = {k: v for k, v in item.__dict__.items() if v is not None and k not in _ITEM_SPECIAL}
    values = {_ITEM_ATTNAMES.get(name, name): _q(value) for name, value in sent.items()}
    quantity = item.effective_quantity
    values.update(
        quantity=quantity,
        unit_price=_q(item.unit_price if item.unit_price is not None else item.price),
        total_price=_q(item.effective_total),
        status=item.status or OrderStatus.APPROVED,
        price_currency=item.price_currency or order.currency,
    )
    return values


def _item(item: OrderItemIn, order: OrderIn, resolved: Resolved, now: datetime) -> OrderItem:
    product = resolved.products[item.product]
    values = _item_values(item, order)
    values.update(product_sku=product.code, product_name=product.text, created_date=now, modified_date=now)
    return new_instance(OrderItem, values)


def _q(value: Any) -> Any:
    return to_cents(value) if isinstance(value, Decimal) else value
