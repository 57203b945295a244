"""The wire contract of SalesChannelCreateOrder: what a request may carry, field by field.

Shape, types, lengths, enums and arithmetic that needs no database live here; everything that
needs the database (references, channel visibility, duplicates) lives in the services.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from oms.core.wire import Count, HttpUrlStr, Id, IpAddressStr, JsonObject, Money, Rate, WireDateTime, text
from oms.orders.enums import CURRENCIES, ORDER_STATUS_INPUTS, CancelStatus, ClientType, DeliveryType


def _order_status(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # a code sent as a number (400) means the same as "400"
    if not isinstance(value, str):
        raise PydanticCustomError("invalid_type", "Expected a status name or code as a string.")
    status = ORDER_STATUS_INPUTS.get(value.strip().lower())
    if status is None:
        raise PydanticCustomError(
            "invalid_choice",
            '"{value}" is not a valid order status; expected one of: {choices}.',
            {"value": value, "choices": ", ".join(dict.fromkeys(ORDER_STATUS_INPUTS))},
        )
    return status


def _currency(value: Any) -> Any:
    if not isinstance(value, str):
        raise PydanticCustomError("invalid_type", "Expected a currency code as a string.")
    code = value.strip().lower()
    if code not in CURRENCIES:
        raise PydanticCustomError(
            "invalid_choice",
            '"{value}" is not an ISO 4217 currency code (e.g. try, usd, eur).',
            {"value": value},
        )
    return code


def _choice(enum: type) -> Any:
    values = [member.value for member in enum]

    def check(value: Any) -> Any:
        if value is None or value in values:
            return value
        raise PydanticCustomError(
            "invalid_choice",
            '"{value}" is not a valid choice; expected one of: {choices}.',
            {"value": value, "choices": ", ".join(values)},
        )

    return BeforeValidator(check)


OrderStatusIn = Annotated[
    str, BeforeValidator(_order_status), Field(json_schema_extra={"examples": ["approved", "400"]})
]
CurrencyIn = Annotated[str, BeforeValidator(_currency), Field(examples=["try"])]
WireDate = Annotated[date, BeforeValidator(lambda v: v if isinstance(v, str) else _not_a_date())]


def _not_a_date() -> None:
    raise PydanticCustomError("invalid_type", "Expected an ISO 8601 date string (YYYY-MM-DD).")


class WireModel(BaseModel):
    # Unknown fields are found by the service (to warn or refuse per channel), not dropped here.
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, str_strip_whitespace=False)


class DeliveryRangeIn(WireModel):
    start: WireDateTime | None = None
    end: WireDateTime | None = None


class OrderIn(WireModel):
    number: Annotated[str, Field(min_length=1, max_length=128)]
    channel: Id | None = None
    status: OrderStatusIn
    date_placed: WireDateTime
    customer: Id
    shipping_address: Id
    billing_address: Id
    currency: CurrencyIn
    amount: Money
    shipping_amount: Money | None = None
    shipping_tax_rate: Rate | None = None
    extra_field: JsonObject | None = None
    payment_option: Id | None = None
    payment_option_slug: text(64) | None = None
    bin_number: Annotated[str, Field(pattern=r"^(\d{6,8})?$")] | None = None
    installment: Id | None = None
    installment_count: Annotated[Count, Field(le=120)] | None = None
    delivery_type: Annotated[str | None, _choice(DeliveryType)] = None
    installment_interest_amount: Money | None = None
    cargo_company: Id | None = None
    invoice_number: text(64) | None = None
    invoice_date: WireDateTime | None = None
    e_archive_url: HttpUrlStr | None = None
    refund_amount: Money | None = None
    discount_refund_amount: Money | None = None
    shipping_refund_amount: Money | None = None
    discount_amount: Money | None = None
    is_send: bool | None = None
    net_shipping_amount: Money | None = None
    shipping_interest_amount: Money | None = None
    tracking_number: text(256) | None = None
    carrier_shipping_code: text(256) | None = None
    remote_addr: IpAddressStr | None = None
    fundstransfertransaction_set: Annotated[list[Id], Field(max_length=100)] | None = None
    has_gift_box: bool | None = None
    gift_box_note: text(2000) | None = None
    external_status: Id | None = None
    client_type: Annotated[str | None, _choice(ClientType)] = None
    language_code: text(16) | None = None
    notes: text(5000) | None = None
    delivery_range: DeliveryRangeIn | None = None
    shipping_option_slug: text(128) | None = None
    segment: text(128) | None = None
    # Server-managed timestamps: checked for format, then ignored (the server sets them).
    modified_date: WireDateTime | None = None
    checkout_provider_id: Id | None = None
    created_date: WireDateTime | None = None
    cancellation_info: JsonObject | None = None
    defined_tracking_url: HttpUrlStr | None = None


class OrderItemIn(WireModel):
    product: Id
    price: Money
    status: OrderStatusIn | None = None
    price_currency: CurrencyIn | None = None
    quantity: Count | None = None
    unit_price: Money | None = None
    total_price: Money | None = None
    tax_rate: Rate | None = None
    tax_amount: Money | None = None
    extra_field: JsonObject | None = None
    price_list: Id | None = None
    stock_list: Id | None = None
    shipping_company: text(64) | None = None
    shipment_code: text(256) | None = None
    attributes: JsonObject | None = None
    attributes_kwargs: JsonObject | None = None
    cancel_status: Annotated[str | None, _choice(CancelStatus)] = None
    installment_interest_amount: Money | None = None
    is_tradable: bool | None = None
    datasource: Id | None = None
    localized_attributes: JsonObject | None = None
    localized_attributes_kwargs: JsonObject | None = None
    cancellation_reconciliation: Id | None = None
    reconciliation: Id | None = None
    forced_refund: bool | None = None
    original_stock: Annotated[int, Field(ge=-(2**31), le=2**31 - 1)] | None = None
    shipping_option_group: Id | None = None
    discount_amount: Money | None = None
    retail_price: Money | None = None
    image: text(1024) | None = None
    parent: Id | None = None
    estimated_delivery_date: WireDate | None = None
    defined_tracking_url: HttpUrlStr | None = None
    defined_shipping_company: text(64) | None = None
    tracking_number: text(256) | None = None
    delivered_date: WireDateTime | None = None

    @field_validator("original_stock", mode="before")
    @classmethod
    def _no_bool(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise PydanticCustomError("invalid_type", "Expected a number, got a boolean.")
        return value

    @property
    def effective_quantity(self) -> int:
        return self.quantity or 1

    @property
    def effective_total(self) -> Decimal:
        return self.total_price if self.total_price is not None else self.price * self.effective_quantity


class OrderCreateIn(WireModel):
    order: OrderIn
    order_item: Annotated[list[OrderItemIn], Field(min_length=1)]


# Fields a client may send back from an answer: accepted and ignored, never "unknown".
READ_ONLY_ORDER_FIELDS = frozenset(
    {
        "pk",
        "id",
        "shipping_company",
        "cancel_status",
        "installment_free",
        "first_refund_strategy",
        "orderitem_set",
        "totals_mismatch",
        "totals_computed",
    }
)
READ_ONLY_ITEM_FIELDS = frozenset({"pk", "id", "order"})
ORDER_FIELDS = frozenset(OrderIn.model_fields) | READ_ONLY_ORDER_FIELDS
ITEM_FIELDS = frozenset(OrderItemIn.model_fields) | READ_ONLY_ITEM_FIELDS
