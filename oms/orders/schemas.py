"""The wire contract of SalesChannelCreateOrder: what a request may carry and what the answer
holds, field by field.

Shape, types, lengths, enums and arithmetic that needs no database live here; everything that
needs the database (references, channel visibility, duplicates) lives in the services. Every
field is optional unless written without a default; the README lists the defaults.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from oms.channels.models import Channel
from oms.core.answers import PK, Answer, From, RowOut
from oms.core.wire import (
    MAX_MONEY,
    BinNumber,
    Count,
    HttpUrlStr,
    Id,
    IpAddressStr,
    JsonObject,
    Money,
    Rate,
    WireDateTime,
    choice,
    integer,
    not_a_choice,
    refusal,
    shown,
    text,
)
from oms.orders.enums import (
    CURRENCIES,
    ORDER_STATUS_CODES,
    ORDER_STATUS_INPUTS,
    CancelStatus,
    ClientType,
    DeliveryType,
)

STATUS_VALUES = list(ORDER_STATUS_INPUTS)  # names, codes as strings, and "canceled"


def _order_status(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # a code sent as a number (400) means the same as "400"
    if not isinstance(value, str):
        raise PydanticCustomError("invalid_type", "Expected a status name or code as a string.")
    status = ORDER_STATUS_INPUTS.get(value.strip().lower())
    if status is None:
        raise not_a_choice(value, "a valid order status", STATUS_VALUES)
    return status


def _currency(value: Any) -> Any:
    if not isinstance(value, str):
        raise PydanticCustomError("invalid_type", "Expected a currency code as a string.")
    code = value.strip().lower()
    if code not in CURRENCIES:
        raise refusal(
            "invalid_choice",
            '"{value}" is not an ISO 4217 currency code (e.g. try, usd, eur).',
            value=shown(value),
        )
    return code


def _choice_schema(enum: type) -> WithJsonSchema:
    return WithJsonSchema({"anyOf": [{"type": "string", "enum": [m.value for m in enum]}, {"type": "null"}]})


OrderStatusIn = Annotated[
    str,
    BeforeValidator(_order_status),
    WithJsonSchema(
        {
            "type": "string",
            "enum": STATUS_VALUES,
            "description": "An Omnitron order status: its name or its code as a string "
            '("400"); case-insensitive, "canceled" is read as "cancelled".',
        }
    ),
]
CurrencyIn = Annotated[
    str,
    BeforeValidator(_currency),
    WithJsonSchema(
        {
            "type": "string",
            "enum": sorted(CURRENCIES),
            "description": "ISO 4217 code in any case (TRY, try); stored and answered lower-case.",
        }
    ),
]


def _date_string(value: Any) -> Any:
    if not isinstance(value, str):
        raise PydanticCustomError("invalid_type", "Expected an ISO 8601 date string (YYYY-MM-DD).")
    return value


WireDate = Annotated[date, BeforeValidator(_date_string)]


class WireModel(BaseModel):
    # Unknown fields are found by the service (to warn or refuse per channel), not dropped here.
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, str_strip_whitespace=False)


class DeliveryRangeIn(WireModel):
    start: WireDateTime | None = None
    end: WireDateTime | None = None


class OrderIn(WireModel):
    number: text(128, min_length=1, key=True)
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
    bin_number: BinNumber | None = None
    # Omnitron's installment id, kept as sent (a 32-bit column).
    installment: integer(1, 2**31 - 1) | None = None
    installment_count: integer(1, 120) | None = None
    delivery_type: choice(DeliveryType.values) = None
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
    client_type: choice(ClientType.values) = None
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
    status: Annotated[OrderStatusIn | None, Field(description="Default: approved.")] = None
    price_currency: CurrencyIn | None = None
    quantity: Count | None = None
    unit_price: Money | None = None
    # Validated even when absent: the default, price x quantity, must fit the money columns.
    total_price: Money | None = Field(default=None, validate_default=True)
    tax_rate: Rate | None = None
    tax_amount: Money | None = None
    extra_field: JsonObject | None = None
    price_list: Id | None = None
    stock_list: Id | None = None
    shipping_company: text(64) | None = None
    shipment_code: text(256) | None = None
    attributes: JsonObject | None = None
    attributes_kwargs: JsonObject | None = None
    cancel_status: choice(CancelStatus.values) = None
    installment_interest_amount: Money | None = None
    is_tradable: bool | None = None
    datasource: Id | None = None
    localized_attributes: JsonObject | None = None
    localized_attributes_kwargs: JsonObject | None = None
    cancellation_reconciliation: Id | None = None
    reconciliation: Id | None = None
    forced_refund: bool | None = None
    original_stock: integer(-(2**31), 2**31 - 1) | None = None
    shipping_option_group: Id | None = None
    discount_amount: Money | None = None
    retail_price: Money | None = None
    image: text(1024) | None = None
    parent: Id | None = None
    estimated_delivery_date: WireDate | None = None
    defined_tracking_url: HttpUrlStr | None = None
    defined_shipping_company: text(64) | None = None
    tracking_number: text(256) | None = None
    # Sent by channel-app on every item (not on the page): the carrier's shipment code.
    carrier_shipping_code: text(256) | None = None
    delivered_date: WireDateTime | None = None

    @field_validator("total_price")
    @classmethod
    def _default_total_fits(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        price, quantity = info.data.get("price"), info.data.get("quantity")
        if value is None and price is not None and price * (quantity or 1) > MAX_MONEY:
            raise PydanticCustomError(
                "out_of_range",
                "total_price defaults to price x quantity ({total}), more than the largest amount, {max}.",
                {"total": str(price * (quantity or 1)), "max": str(MAX_MONEY)},
            )
        return value

    @property
    def effective_quantity(self) -> int:
        return self.quantity or 1

    @property
    def effective_total(self) -> Decimal:
        return self.total_price if self.total_price is not None else self.price * self.effective_quantity


# The demo data's ids (`oms demo`): shown in the docs, and sent by schemathesis's examples phase.
EXAMPLE_REQUEST = {
    "order": {
        "number": "EXAMPLE-1",
        "channel": 1,
        "status": "approved",
        "date_placed": "2025-01-01T10:00:00Z",
        "customer": 1,
        "shipping_address": 1,
        "billing_address": 1,
        "currency": "try",
        "amount": "110.00",
        "shipping_amount": "10.00",
        "shipping_tax_rate": "10.00",
        "payment_option": 1,
        "payment_option_slug": "credit_card",
        "cargo_company": 1,
        "remote_addr": "203.0.113.7",
        "delivery_range": {"start": "2025-01-03T09:00:00Z", "end": "2025-01-03T18:00:00Z"},
        "extra_field": {"marketplace_order_id": "MP-1"},
    },
    "order_item": [{"product": 1, "price": "100.00", "price_list": 1, "stock_list": 1}],
}


class OrderCreateIn(WireModel):
    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE_REQUEST]})

    order: OrderIn
    order_item: Annotated[
        list[OrderItemIn],
        Field(min_length=1, description="At most OMS_MAX_ITEMS_PER_ORDER (500) items."),
    ]


# --- The answers ----------------------------------------------------------------------------
# Each answer schema renders the answer itself (oms.core.answers): one field list per shape.
# The order answers are rendered with `channel=` in their context (statuses may be codes), the
# order itself with `items=` (for its cancel_status) and `fund_transfer_ids=` as well.
MoneyOut = Annotated[Decimal, WithJsonSchema({"type": "number", "minimum": 0})]
DateTimeOut = Annotated[datetime, WithJsonSchema({"type": "string", "format": "date-time"})]
DateOut = Annotated[date, WithJsonSchema({"type": "string", "format": "date"})]
StatusOut = Annotated[
    str,
    WithJsonSchema(
        {
            "type": "string",
            "enum": [*ORDER_STATUS_CODES, *ORDER_STATUS_CODES.values()],
            "description": "The status name, or its code when the channel answers codes.",
        }
    ),
]

# When items disagree, the order's cancel_status is the least advanced one present.
_CANCEL_PRECEDENCE = [
    CancelStatus.WAITING,
    CancelStatus.CONFIRMATION_WAITING,
    CancelStatus.WAITING_FOR_PAYMENT,
    CancelStatus.APPROVED,
    CancelStatus.CONFIRMED,
    CancelStatus.REJECTED,
]


def wire_status(status: str, channel: Channel) -> str:
    return ORDER_STATUS_CODES[status] if channel.status_format == Channel.StatusFormat.CODE else status


def summarise_cancel_status(item_statuses: Iterable[str | None]) -> str | None:
    present = {status for status in item_statuses if status}
    return next((str(status) for status in _CANCEL_PRECEDENCE if status in present), None)


def _status(row: Any, ctx: Mapping[str, Any]) -> str:
    return wire_status(row.status, ctx["channel"])


STATUS = From(resolve=_status)


def _first_refund_strategy(order: Any, ctx: Mapping[str, Any]) -> str | None:
    payment_option = order.payment_option
    return (payment_option.first_refund_strategy or None) if payment_option else None


def _nullable_choice(enum: type) -> Any:
    return Annotated[str | None, _choice_schema(enum)]


class DeliveryRangeOut(Answer):
    model_config = ConfigDict(extra="forbid")

    start: Annotated[DateTimeOut | None, From("delivery_range_start")]
    end: Annotated[DateTimeOut | None, From("delivery_range_end")]


class OrderOut(Answer):
    """The order as create_orders answers it: the page's response fields plus `pk`, `id` and
    `totals_mismatch`. Money is a JSON number with two decimals. `order.cargo_company` and
    `order.payment_option` are read."""

    model_config = ConfigDict(extra="forbid")

    pk: int
    id: Annotated[int, PK]
    number: str
    channel: Annotated[int, From("channel_id")]
    status: Annotated[StatusOut, STATUS]
    date_placed: DateTimeOut
    customer: Annotated[int, From("customer_id")]
    shipping_address: Annotated[int, From("shipping_address_id")]
    billing_address: Annotated[int, From("billing_address_id")]
    currency: str
    amount: MoneyOut
    shipping_amount: MoneyOut
    shipping_tax_rate: MoneyOut
    extra_field: dict[str, Any]
    payment_option: Annotated[int | None, From("payment_option_id")]
    payment_option_slug: str
    bin_number: str
    installment: int | None
    installment_count: int
    delivery_type: Annotated[_nullable_choice(DeliveryType), From(blank_as_null=True)]
    installment_interest_amount: MoneyOut
    cargo_company: Annotated[int | None, From("cargo_company_id")]
    invoice_number: str
    invoice_date: DateTimeOut | None
    e_archive_url: str
    refund_amount: MoneyOut
    discount_refund_amount: MoneyOut
    shipping_refund_amount: MoneyOut
    discount_amount: MoneyOut
    is_send: bool
    net_shipping_amount: MoneyOut
    shipping_interest_amount: MoneyOut
    tracking_number: str
    carrier_shipping_code: str
    remote_addr: str | None
    fundstransfertransaction_set: Annotated[
        list[int], From(resolve=lambda order, ctx: list(ctx["fund_transfer_ids"]))
    ]
    has_gift_box: bool
    gift_box_note: str
    external_status: Annotated[int | None, From("external_status_id")]
    client_type: Annotated[str, WithJsonSchema({"type": "string", "enum": [m.value for m in ClientType]})]
    language_code: str
    notes: str
    delivery_range: Annotated[DeliveryRangeOut, From(".")]
    shipping_option_slug: str
    segment: str
    modified_date: DateTimeOut
    checkout_provider_id: int | None
    created_date: DateTimeOut
    cancellation_info: dict[str, Any]
    shipping_company: Annotated[
        str | None, From(resolve=lambda order, ctx: order.cargo_company.code if order.cargo_company else None)
    ] = Field(description="The cargo company's code.")
    cancel_status: Annotated[
        _nullable_choice(CancelStatus),
        From(resolve=lambda order, ctx: summarise_cancel_status(item.cancel_status for item in ctx["items"])),
    ] = Field(description="The least advanced cancel status among the items.")
    defined_tracking_url: str
    installment_free: Annotated[
        bool, From(resolve=lambda order, ctx: not order.installment_interest_amount)
    ] = Field(description="True when no installment interest was charged.")
    first_refund_strategy: Annotated[str | None, From(resolve=_first_refund_strategy)] = Field(
        description="From the payment option."
    )
    totals_mismatch: bool = Field(
        description="The amounts did not add up and the channel's totals_check is warn."
    )
    oversold: bool = Field(
        description="An item was sold past its stock (the channel's stock_policy is reserve)."
    )


class OrderItemOut(RowOut):
    """An item as the order answers list it (`orderitem_set`)."""

    order: Annotated[int, From("order_id")]
    product: Annotated[int, From("product_id")]
    status: Annotated[StatusOut, STATUS]
    price_currency: str
    price: MoneyOut
    quantity: int
    unit_price: MoneyOut
    total_price: MoneyOut
    tax_rate: MoneyOut
    tax_amount: MoneyOut
    extra_field: dict[str, Any]
    price_list: Annotated[int | None, From("price_list_id")]
    stock_list: Annotated[int | None, From("stock_list_id")]
    shipping_company: str
    shipment_code: str
    attributes: dict[str, Any]
    attributes_kwargs: dict[str, Any]
    cancel_status: _nullable_choice(CancelStatus)
    installment_interest_amount: MoneyOut
    is_tradable: bool
    datasource: Annotated[int | None, From("datasource_id")]
    localized_attributes: dict[str, Any]
    localized_attributes_kwargs: dict[str, Any]
    cancellation_reconciliation: Annotated[int | None, From("cancellation_reconciliation_id")]
    reconciliation: Annotated[int | None, From("reconciliation_id")]
    forced_refund: bool
    original_stock: int | None
    shipping_option_group: Annotated[int | None, From("shipping_option_group_id")]
    discount_amount: MoneyOut
    retail_price: MoneyOut | None
    image: Annotated[str | None, From(blank_as_null=True)]
    parent: Annotated[int | None, From("parent_id")]
    estimated_delivery_date: DateOut | None
    defined_tracking_url: str
    defined_shipping_company: str
    tracking_number: str
    carrier_shipping_code: str
    invoice_number: str
    invoice_date: DateTimeOut | None
    delivered_date: DateTimeOut | None
    oversold: bool = Field(description="Sold past its stock row's adjusted stock, or with no stock row.")
    created_date: DateTimeOut
    modified_date: DateTimeOut


class OrderItemRowOut(OrderItemOut):
    """An item as the order item endpoints answer it: with its order's number, which Omnitron's
    item update command reads back (the selectors annotate it)."""

    order_number: str


class OrderDetailOut(OrderOut):
    """One order with its items. Rendered with `items=` the order's items, in the context."""

    orderitem_set: Annotated[list[OrderItemOut], From(resolve=lambda order, ctx: _items(ctx))]


def _items(ctx: Mapping[str, Any]) -> list[dict[str, Any]]:
    render = OrderItemOut.renderer()
    return [render(item, ctx) for item in ctx["items"]]


class CancellationReasonOut(RowOut):
    reason: str
    code: str
    cancellation_type: str
    is_active: bool
    created_date: DateTimeOut
    modified_date: DateTimeOut


_STATUS_KINDS = {"status", "order_status", "cancellation"}


def _history_value(attribute: str) -> From:
    def resolve(entry: Any, ctx: Mapping[str, Any]) -> str | None:
        raw = getattr(entry, attribute)
        if not raw:
            return None
        return wire_status(raw, ctx["channel"]) if entry.kind in _STATUS_KINDS else raw

    return From(resolve=resolve)


class OrderHistoryOut(RowOut):
    order: Annotated[int, From("order_id")]
    item: Annotated[int | None, From("item_id")]
    kind: str
    from_: Annotated[str | None, _history_value("from_value")] = Field(alias="from")
    to: Annotated[str | None, _history_value("to_value")]
    reason: CancellationReasonOut | None
    note: str
    changes: dict[str, Any]
    actor: str
    api_key: Annotated[int | None, From("api_key_id")]
    user: Annotated[int | None, From("user_id")]
    created_date: DateTimeOut


# Fields a client may send back from an answer: accepted and ignored, never "unknown".
READ_ONLY_ORDER_FIELDS = (frozenset(OrderOut.model_fields) - frozenset(OrderIn.model_fields)) | {
    "orderitem_set",
    "totals_computed",
}
# An item as the order item endpoints answer it (OrderItemRowOut) carries these too.
READ_ONLY_ITEM_FIELDS = frozenset(
    {"pk", "id", "order", "invoice_number", "invoice_date", "created_date", "modified_date"}
)
ORDER_FIELDS = frozenset(OrderIn.model_fields) | READ_ONLY_ORDER_FIELDS
ITEM_FIELDS = frozenset(OrderItemIn.model_fields) | READ_ONLY_ITEM_FIELDS
DELIVERY_RANGE_FIELDS = frozenset(DeliveryRangeIn.model_fields)
