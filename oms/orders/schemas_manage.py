"""The wire contract of the order-changing endpoints: an item PATCH, Omnitron's cancel body, and
the ERP's order PATCH and item mapping."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator
from pydantic_core import PydanticCustomError

from oms.core.answers import From, RowOut, example
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


def _exactly_true(value: Any) -> Any:
    # Not 1, not "true", not false: the ERP only ever says it has picked an order up.
    if value is not True:
        raise PydanticCustomError("invalid_choice", "Only true is accepted: the order was picked up.")
    return value


class OrderSentIn(WireModel):
    """The ERP's PATCH of an order: only `{"is_send": true}`, that it has picked the order up."""

    is_send: Annotated[bool, BeforeValidator(_exactly_true)]


class MappingIn(WireModel):
    """The ERP's id for an order item (`code`, its line id); with `update_stock`, the item's
    reserved units are released (the ERP's stock figure now counts them)."""

    code: text(255, min_length=1, key=True)
    update_stock: bool = False


class MappingOut(RowOut):
    """An ERP mapping: `content_type` is the mapped model's content type id."""

    content_type: Annotated[int, From("content_type_id")]
    object_id: int
    integration_type: str
    code: str

    model_config = example(
        1,
        stamped=False,
        content_type=12,
        object_id=345,
        integration_type="external_company",
        code="ERP-LINE-9",
    )
