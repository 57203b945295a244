"""Resolving every id a create-order request points at: one query per referenced model, whatever
the number of items, and a not_found problem for each id that is unknown or belongs to another
channel (answered alike, so that a key cannot learn what other channels hold)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection, models
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
from oms.core.wire import MAX_ID, Id
from oms.customers.models import Address, Customer
from oms.orders.models import OrderItem

_ID = TypeAdapter(Id)


@dataclass(frozen=True, slots=True)
class Ref:
    """A referenced row, with only what the create path reads of it."""

    pk: int
    channel_id: int | None  # None: shared by every channel; an address's is its customer's
    customer_id: int | None = None  # addresses
    code: str | None = None  # product sku, payment option slug, cargo company code
    text: str | None = None  # product name, payment option first_refund_strategy


@dataclass(frozen=True, slots=True)
class Resolved:
    """The rows a request refers to, by primary key; one dict per kind of row."""

    customers: dict[int, Ref]
    addresses: dict[int, Ref]
    payment_options: dict[int, Ref]
    cargo_companies: dict[int, Ref]
    external_statuses: dict[int, Ref]
    checkout_providers: dict[int, Ref]
    funds_transfers: dict[int, Ref]
    products: dict[int, Ref]
    price_lists: dict[int, Ref]
    stock_lists: dict[int, Ref]
    datasources: dict[int, Ref]
    shipping_option_groups: dict[int, Ref]
    reconciliations: dict[int, Ref]
    parents: dict[int, Ref]


@dataclass(frozen=True, slots=True)
class _Kind:
    """One kind of referenced row: its model, and the columns read as Ref's channel_id,
    customer_id, code and text (a `join` names the FK followed to reach the channel)."""

    attr: str
    label: str
    model: type[models.Model]
    channel: str | None = None
    join: str | None = None
    customer: str | None = None
    code: str | None = None
    text: str | None = None


_KIND_LIST = [
    _Kind("customers", "Customer", Customer, channel="channel"),
    _Kind("addresses", "Address", Address, channel="channel", join="customer", customer="customer"),
    _Kind(
        "payment_options",
        "Payment option",
        PaymentOption,
        channel="channel",
        code="slug",
        text="first_refund_strategy",
    ),
    _Kind("cargo_companies", "Cargo company", CargoCompany, code="code"),
    _Kind("external_statuses", "External status", OrderExternalStatus, channel="channel"),
    _Kind("checkout_providers", "Checkout provider", CheckoutProvider),
    _Kind("funds_transfers", "Funds transfer transaction", FundsTransferTransaction, channel="channel"),
    _Kind("products", "Product", Product, code="sku", text="name"),
    _Kind("price_lists", "Price list", PriceList, channel="channel"),
    _Kind("stock_lists", "Stock list", StockList, channel="channel"),
    _Kind("datasources", "Datasource", Datasource),
    _Kind("shipping_option_groups", "Shipping option group", ShippingOptionGroup, channel="channel"),
    _Kind("reconciliations", "Reconciliation", Reconciliation, channel="channel"),
    _Kind("parents", "Order item", OrderItem, channel="channel", join="order"),
]
_KINDS = {kind.attr: kind for kind in _KIND_LIST}
_CHANNEL_KINDS = [kind.attr for kind in _KIND_LIST if kind.channel is not None]
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
    """The same for many requests at once: still one query for every referenced row, and the
    problems of each request in its own list."""
    wanted = [_collect(payload) for payload in payloads]
    ids = {attr: sorted({pk for refs in wanted for _, pk in refs[attr]}) for attr in _KINDS}
    loaded = _visible(_load(ids), channel)
    problems = [_problems(refs, loaded, channel) for refs in wanted]
    return Resolved(**loaded), problems


def _load(ids: dict[str, list[int]]) -> dict[str, dict[int, Ref]]:
    # One UNION ALL of small selects, read as tuples: the ORM spent more time building its
    # queries and model instances than the database spent answering them.
    loaded: dict[str, dict[int, Ref]] = {attr: {} for attr in _KINDS}
    selects, params = [], []
    for index, kind in enumerate(_KIND_LIST):
        if ids[kind.attr]:
            selects.append(_select(index, kind, len(ids[kind.attr])))
            params += ids[kind.attr]
    if not selects:
        return loaded
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(selects), params)
        for index, pk, channel_id, customer_id, code, text in cursor.fetchall():
            kind = _KIND_LIST[index]
            loaded[kind.attr][pk] = Ref(pk, channel_id, customer_id, code, text)
    return loaded


def _select(index: int, kind: _Kind, count: int) -> str:
    return _SELECT_TEMPLATES[index] + ", ".join(["%s"] * count) + ")"


def _column(model: type[models.Model], table: str, name: str | None, cast: str) -> str:
    if name is None:
        return f"CAST(NULL AS {cast})"
    return f'{table}."{model._meta.get_field(name).column}"'


def _template(index: int, kind: _Kind) -> str:
    """`SELECT index, pk, channel, customer, code, text FROM table [JOIN owner] WHERE pk IN (`"""
    meta = kind.model._meta
    table, pk = f'"{meta.db_table}"', f'"{meta.pk.column}"'
    joins = ""
    channel_model, channel_table = kind.model, table
    if kind.join is not None:
        fk = meta.get_field(kind.join)
        channel_model = fk.related_model
        channel_table = f'"{channel_model._meta.db_table}"'
        joins = f' JOIN {channel_table} ON {channel_table}."{channel_model._meta.pk.column}" = {table}."{fk.column}"'
    columns = [
        str(index),
        f"{table}.{pk}",
        _column(channel_model, channel_table, kind.channel, "bigint"),
        _column(kind.model, table, kind.customer, "bigint"),
        _column(kind.model, table, kind.code, "varchar"),
        _column(kind.model, table, kind.text, "varchar"),
    ]
    return f"SELECT {', '.join(columns)} FROM {table}{joins} WHERE {table}.{pk} IN ("


_SELECT_TEMPLATES = [_template(index, kind) for index, kind in enumerate(_KIND_LIST)]


def _visible(loaded: dict[str, dict[int, Ref]], channel: Channel) -> dict[str, dict[int, Ref]]:
    # Another channel's row is dropped as if it did not exist: it is answered not_found like a
    # missing one, and no later rule (a slug, an address's customer) can quote it. Only the
    # kinds with foreign rows are copied (a valid order has none: this is on the create path).
    channel_pk = channel.pk
    for attr in _CHANNEL_KINDS:
        rows = loaded[attr]
        if rows and any(row.channel_id != channel_pk for row in rows.values()):
            loaded[attr] = {pk: row for pk, row in rows.items() if row.channel_id == channel_pk}
    return loaded


def _problems(
    wanted: dict[str, list[tuple[str, int]]], loaded: dict[str, dict], channel: Channel
) -> list[Problem]:
    return [
        Problem(
            path, ErrorCode.NOT_FOUND, f"{_KINDS[attr].label} {pk} does not exist in channel {channel.pk}."
        )
        for attr, refs in wanted.items()
        for path, pk in refs
        if pk not in loaded[attr]
    ]


def _collect(payload: Mapping) -> dict[str, list[tuple[str, int]]]:
    wanted: dict[str, list[tuple[str, int]]] = defaultdict(list)
    order = payload.get("order") if isinstance(payload, Mapping) else None
    if isinstance(order, Mapping):
        for name, attr in ORDER_REFERENCES.items():
            if (value := order.get(name)) is not None:  # most references are optional
                _add(wanted[attr], f"order.{name}", value)
    items = payload.get("order_item") if isinstance(payload, Mapping) else None
    for index, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, Mapping):
            for name, attr in ITEM_REFERENCES.items():
                if (value := item.get(name)) is not None:
                    _add(wanted[attr], f"order_item.{index}.{name}", value)
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
    if type(value) is int and 0 < value <= MAX_ID:  # the common case, without pydantic's cost
        return value
    if value is None:  # not sent: most references are optional, and a refusal raises
        return None
    try:
        return _ID.validate_python(value)
    except ValidationError:
        return None
