"""The payload hash of an order: what decides, for a second request with the same number,
replay (same content) or conflict (other content).

It is computed from the rows to be stored, so key order, number formatting ("100" and "100.00")
and defaults sent or omitted do not matter. Two forms exist:

- version 2 (now): orjson with sorted keys, datetimes in UTC, decimals as their exact digits;
- version 1 (orders stored before 2026-11-27): the json module with sorted keys. Its encoder
  cost a fifth of a bulk create's CPU, so it is only computed when a stored hash does not match
  version 2, to recognise a retry of an order an earlier version stored.

Both are pinned by test_payload_hash: changing either makes retries of stored orders conflict.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import orjson

from oms.core.render import to_cents
from oms.orders.models import Order, OrderItem

# Server-managed columns, not part of what the client sent.
_UNHASHED = {
    "id",
    "order",
    "created_date",
    "modified_date",
    "payload_hash",
    "totals_mismatch",
    "totals_computed",
    "product_sku",
    "product_name",
    # What the stock did with the order, decided by the server at the time: not the request.
    "oversold",
    "reserved_stock",
    "stock_released",
}


def payload_hash(order: Order, items: Sequence[OrderItem], transfers: list[int]) -> str:
    """The hash stored with a new order (version 2)."""
    try:
        canonical = orjson.dumps(
            _canonical_rows(order, items, transfers),
            default=_v2_value,
            option=orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME,
        )
    except orjson.JSONEncodeError:  # an integer past 64 bits inside a JSON field
        return _v1_hash(order, items, transfers)
    return hashlib.sha256(canonical).hexdigest()


def same_content(stored_hash: str, order: Order, items: Sequence[OrderItem], transfers: list[int]) -> bool:
    """Whether a stored order's hash is that of these rows, in either version."""
    return stored_hash == order.payload_hash or stored_hash == _v1_hash(order, items, transfers)


def _canonical_rows(order: Order, items: Sequence[OrderItem], transfers: list[int]) -> dict[str, Any]:
    return {
        "order": _hashed(Order, order),
        "items": [_hashed(OrderItem, item) for item in items],
        "transfers": transfers,
    }


@functools.cache
def _hashed_columns(model: type[Order] | type[OrderItem]) -> tuple[str, ...]:
    return tuple(f.attname for f in model._meta.concrete_fields if f.name not in _UNHASHED)


def _hashed(model: type[Order] | type[OrderItem], row: Order | OrderItem) -> dict[str, Any]:
    values = vars(row)
    return {attname: values[attname] for attname in _hashed_columns(model)}


def _v2_value(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)  # the rows' decimals are quantized to the cent when they are built
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):  # passed through with datetimes
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _v1_hash(order: Order, items: Sequence[OrderItem], transfers: list[int]) -> str:
    canonical = json.dumps(_canonical_rows(order, items, transfers), sort_keys=True, default=_v1_value)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _v1_value(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        value = to_cents(value)
    return str(value)
