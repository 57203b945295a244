"""Resolving every id a create-order request points at: one query per referenced model, whatever
the number of items, and a problem for each id that is unknown or belongs to another channel."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models
from pydantic import TypeAdapter, ValidationError

from oms.catalog.models import Datasource, PriceList, Product, StockList
from oms.channels.models import (
    CargoCompany,
    Channel,
    CheckoutProvider,
    FundsTransferTransaction,
    OrderExternalStatus,
    PaymentOption,
    Reconciliation,
    ShippingOptionGroup,
)
from oms.core.errors import ErrorCode, Problem
from oms.core.wire import Id
from oms.customers.models import Address, Customer
from oms.orders.models import OrderItem

_ID = TypeAdapter(Id)


@dataclass(frozen=True, slots=True)
class Resolved:
    """The rows a request refers to, by primary key; one typed dict per model."""

    customers: dict[int, Customer]
    addresses: dict[int, Address]
    payment_options: dict[int, PaymentOption]
    cargo_companies: dict[int, CargoCompany]
    external_statuses: dict[int, OrderExternalStatus]
    checkout_providers: dict[int, CheckoutProvider]
    funds_transfers: dict[int, FundsTransferTransaction]
    products: dict[int, Product]
    price_lists: dict[int, PriceList]
    stock_lists: dict[int, StockList]
    datasources: dict[int, Datasource]
    shipping_option_groups: dict[int, ShippingOptionGroup]
    reconciliations: dict[int, Reconciliation]
    parents: dict[int, OrderItem]


@dataclass(frozen=True, slots=True)
class _Kind:
    """How to load one referenced model and tell which channel a row belongs to (None: shared)."""

    attr: str
    label: str
    queryset: Callable[[], models.QuerySet]
    channel_of: Callable[[Any], int] | None


_KINDS = {
    kind.attr: kind
    for kind in [
        _Kind("customers", "Customer", lambda: Customer.objects.all(), lambda r: r.channel_id),
        _Kind(
            "addresses",
            "Address",
            lambda: Address.objects.select_related("customer"),
            lambda r: r.customer.channel_id,
        ),
        _Kind(
            "payment_options", "Payment option", lambda: PaymentOption.objects.all(), lambda r: r.channel_id
        ),
        _Kind("cargo_companies", "Cargo company", lambda: CargoCompany.objects.all(), None),
        _Kind(
            "external_statuses",
            "External status",
            lambda: OrderExternalStatus.objects.all(),
            lambda r: r.channel_id,
        ),
        _Kind("checkout_providers", "Checkout provider", lambda: CheckoutProvider.objects.all(), None),
        _Kind(
            "funds_transfers",
            "Funds transfer transaction",
            lambda: FundsTransferTransaction.objects.all(),
            lambda r: r.channel_id,
        ),
        _Kind("products", "Product", lambda: Product.objects.all(), None),
        _Kind("price_lists", "Price list", lambda: PriceList.objects.all(), lambda r: r.channel_id),
        _Kind("stock_lists", "Stock list", lambda: StockList.objects.all(), lambda r: r.channel_id),
        _Kind("datasources", "Datasource", lambda: Datasource.objects.all(), None),
        _Kind(
            "shipping_option_groups",
            "Shipping option group",
            lambda: ShippingOptionGroup.objects.all(),
            lambda r: r.channel_id,
        ),
        _Kind(
            "reconciliations", "Reconciliation", lambda: Reconciliation.objects.all(), lambda r: r.channel_id
        ),
        _Kind(
            "parents",
            "Order item",
            lambda: OrderItem.objects.select_related("order").only("id", "order__channel_id"),
            lambda r: r.order.channel_id,
        ),
    ]
}
# Wire field -> kind of row it points at.
ORDER_REFERENCES = {
    "customer": "customers",
    "shipping_address": "addresses",
    "billing_address": "addresses",
    "payment_option": "payment_options",
    "cargo_company": "cargo_companies",
    "external_status": "external_statuses",
    "checkout_provider_id": "checkout_providers",
    "fundstransfertransaction_set": "funds_transfers",
}
ITEM_REFERENCES = {
    "product": "products",
    "price_list": "price_lists",
    "stock_list": "stock_lists",
    "datasource": "datasources",
    "shipping_option_group": "shipping_option_groups",
    "reconciliation": "reconciliations",
    "cancellation_reconciliation": "reconciliations",
    "parent": "parents",
}


def resolve_references(*, channel: Channel, payload: Mapping) -> tuple[Resolved, list[Problem]]:
    """Load every referenced row and report ids that are unknown or not in `channel`.

    Reads ids from the raw payload, so that reference problems are found even when the schema
    refused other fields: the client hears about all of them in one answer.
    """
    resolved, problems = resolve_references_many(channel=channel, payloads=[payload])
    return resolved, problems[0]


def resolve_references_many(*, channel: Channel, payloads: list[Any]) -> tuple[Resolved, list[list[Problem]]]:
    """The same for many requests at once: still one query per referenced model, and the
    problems of each request in its own list."""
    wanted = [_collect(payload) for payload in payloads]
    loaded = {}
    for attr, kind in _KINDS.items():
        ids = {pk for refs in wanted for _, pk in refs[attr]}
        loaded[attr] = kind.queryset().in_bulk(ids) if ids else {}
    problems = [_problems(refs, loaded, channel) for refs in wanted]
    return Resolved(**loaded), problems


def _problems(
    wanted: dict[str, list[tuple[str, int]]], loaded: dict[str, dict], channel: Channel
) -> list[Problem]:
    problems = []
    for attr, refs in wanted.items():
        kind = _KINDS[attr]
        for path, pk in refs:
            row = loaded[attr].get(pk)
            if row is None:
                problems.append(
                    Problem(
                        path,
                        ErrorCode.NOT_FOUND,
                        f"{kind.label} {pk} does not exist in channel {channel.pk}.",
                    )
                )
            elif kind.channel_of is not None and kind.channel_of(row) != channel.pk:
                problems.append(
                    Problem(
                        path, ErrorCode.NOT_IN_CHANNEL, f"{kind.label} {pk} is not in channel {channel.pk}."
                    )
                )
    return problems


def _collect(payload: Mapping) -> dict[str, list[tuple[str, int]]]:
    wanted: dict[str, list[tuple[str, int]]] = defaultdict(list)
    order = payload.get("order") if isinstance(payload, Mapping) else None
    if isinstance(order, Mapping):
        for name, attr in ORDER_REFERENCES.items():
            _add(wanted[attr], f"order.{name}", order.get(name))
    items = payload.get("order_item") if isinstance(payload, Mapping) else None
    for index, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, Mapping):
            for name, attr in ITEM_REFERENCES.items():
                _add(wanted[attr], f"order_item.{index}.{name}", item.get(name))
    return {attr: wanted.get(attr, []) for attr in _KINDS}


def _add(refs: list[tuple[str, int]], path: str, value: Any) -> None:
    if isinstance(value, list):
        for index, element in enumerate(value):
            _add(refs, f"{path}.{index}", element)
        return
    pk = _as_id(value)
    if pk is not None:
        refs.append((path, pk))


def _as_id(value: Any) -> int | None:
    # Exactly the ids the schema accepts (1, "1", 1.0...), so that a valid request always has its
    # rows resolved; malformed ids are left to the schema's report.
    try:
        return _ID.validate_python(value)
    except ValidationError:
        return None
