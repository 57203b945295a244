"""The wire contract of the order-changing endpoints: an item PATCH and Omnitron's cancel body."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator
from pydantic_core import PydanticCustomError

from oms.core.wire import HttpUrlStr, Id, JsonObject, Money, WireDateTime, choice, refusal, shown, text
from oms.orders.enums import CancelStatus
from oms.orders.schemas import OrderStatusIn, WireModel


def _not_null(value: Any) -> Any:
    if value is None:
        raise PydanticCustomError("invalid_type", "May not be null.")
    return value


class OrderItemUpdateIn(WireModel):
    """Omnitron's order item PATCH. Only the fields sent change; `extra_field` is merged into
    the stored one (JSON merge patch: a key sent as null is removed). A null string field or
    invoice_date clears it; `status` may not be null."""

    # The default is not validated, so omitting status is fine and sending null is refused.
    status: Annotated[OrderStatusIn, BeforeValidator(_not_null)] = None  # type: ignore[assignment]
    cancel_status: choice(CancelStatus.values, "cancel status") = None
    invoice_number: text(64) | None = None
    invoice_date: WireDateTime | None = None
    tracking_number: text(256) | None = None
    defined_tracking_url: HttpUrlStr | None = None
    extra_field: Annotated[JsonObject, BeforeValidator(_not_null)] = None  # type: ignore[assignment]


class CancelIn(WireModel):
    """Omnitron's cancel body: `{"cancel_items": [item pks], "reasons": {"<item pk>": <reason
    pk>}, "forced_refund_amount": null}`, or `is_all: true` for every active item. `reason` (ours)
    is the reason of every item that `reasons` does not name."""

    cancel_items: Annotated[list[Id], Field(max_length=500)] | None = None
    is_all: bool = False
    reasons: dict[str, Id | None] | None = None
    reason: Id | None = None
    forced_refund_amount: Money | None = None
    order: Id | None = None

    @field_validator("reasons")
    @classmethod
    def _item_keys(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        for key in value or {}:
            if not (key.isascii() and key.isdigit() and len(key) <= 19):
                raise refusal(
                    "invalid_format", 'Keys are item pks, e.g. {{"12": 1}}; got "{key}".', key=shown(key)
                )
        return value
