"""Reading a create-order request: the schema's problems and the unknown fields, all at once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from pydantic import ValidationError

from oms.core.errors import ErrorCode, Problem
from oms.core.wire import problems_from, shown
from oms.orders.schemas import DELIVERY_RANGE_FIELDS, ITEM_FIELDS, ORDER_FIELDS, OrderCreateIn

TOP_LEVEL_FIELDS = frozenset({"order", "order_item"})


@dataclass
class ParsedRequest:
    data: OrderCreateIn | None
    problems: list[Problem] = field(default_factory=list)
    unknown_fields: list[str] = field(default_factory=list)


def parse_order_request(payload: Any, *, strict_fields: bool) -> ParsedRequest:
    """Validate the shape of `{"order": {...}, "order_item": [...]}`; never raises.

    Unknown fields become problems when `strict_fields`, otherwise they are returned to be named
    in a warning. The item limit is checked first so a huge list is not validated item by item.
    """
    if not isinstance(payload, Mapping):
        message = 'Expected a JSON object with "order" and "order_item".'
        return ParsedRequest(None, [Problem("", ErrorCode.INVALID_TYPE, message)])
    if (too_many := too_many_items(payload)) is not None:
        return ParsedRequest(None, [too_many])
    unknown = _unknown_fields(payload)
    problems = (
        [Problem(path, ErrorCode.UNKNOWN_FIELD, "Unknown field.") for path in unknown]
        if strict_fields
        else []
    )
    try:
        data = OrderCreateIn.model_validate(payload)
    except ValidationError as error:
        return ParsedRequest(None, problems_from(error) + problems, unknown)
    return ParsedRequest(data, problems, unknown)


def too_many_items(payload: Any) -> Problem | None:
    """`too_many` when the order has more items than OMS_MAX_ITEMS_PER_ORDER. Checked before
    anything is done per item (references, the schema), so that refusing a million items costs
    what counting them does."""
    items = payload.get("order_item") if isinstance(payload, Mapping) else None
    limit = settings.OMS_MAX_ITEMS_PER_ORDER
    if isinstance(items, list) and len(items) > limit:
        message = f"An order may have at most {limit} items; got {len(items)}."
        return Problem("order_item", ErrorCode.TOO_MANY, message)
    return None


def _unknown_fields(payload: Mapping) -> list[str]:
    unknown = _unknown_in(payload, TOP_LEVEL_FIELDS, "")
    order = payload.get("order")
    if isinstance(order, Mapping):
        unknown += _unknown_in(order, ORDER_FIELDS, "order.")
        delivery_range = order.get("delivery_range")
        if isinstance(delivery_range, Mapping):
            unknown += _unknown_in(delivery_range, DELIVERY_RANGE_FIELDS, "order.delivery_range.")
    items = payload.get("order_item")
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, Mapping):
                unknown += _unknown_in(item, ITEM_FIELDS, f"order_item.{index}.")
    return unknown


def _unknown_in(mapping: Mapping, known: frozenset[str], prefix: str) -> list[str]:
    # A key is quoted back in a header and a log line: shortened, and safe to encode.
    return [f"{prefix}{shown(key, 100)}" for key in mapping if key not in known]
