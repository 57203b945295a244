"""Every validation rule of create_orders through HTTP: required fields, types and formats, lengths,
enums, defaults, references and their channel, cross-field rules, unknown fields and totals."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from oms.channels.models import Channel
from oms.customers.tests.factories import AddressFactory, CustomerFactory
from oms.orders.enums import ORDER_STATUS_CODES, CancelStatus, ClientType, DeliveryType, OrderStatus
from oms.orders.models import Order, OrderItem
from oms.orders.tests.given import make_order
from oms.orders.tests.payloads import minimal_body
from oms.orders.tests.test_validation_contract import assert_error_body, counts, pairs

pytestmark = pytest.mark.django_db


def set_field(body: dict, path: str, value) -> dict:
    """`body` with the value at a wire path (`order.notes`, `order_item.0.price`) replaced."""
    *parents, name = path.split(".")
    target = body
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[name] = value
    return body


def refused(api, body, *expected: tuple[str, str]) -> dict:
    """Post `body`; assert a 400 naming exactly `expected` and that nothing was written."""
    before = counts()
    response = api.create_order(body)
    error = assert_error_body(response, 400)
    assert sorted(pairs(response)) == sorted(expected)
    assert counts() == before
    return error


def created(api, body) -> tuple[dict, Order]:
    response = api.create_order(body)
    assert response.status_code == 201, response.content
    return response.json(), Order.objects.get(pk=response.json()["pk"])


# --- required fields ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field",
    [
        "order.number",
        "order.status",
        "order.date_placed",
        "order.customer",
        "order.shipping_address",
        "order.billing_address",
        "order.currency",
        "order.amount",
        "order_item.0.product",
        "order_item.0.price",
    ],
)
def test_a_missing_required_field_is_named(api, field):
    # Given the minimal body without one required field
    body = minimal_body()
    *parents, name = field.split(".")
    target = body["order"] if parents == ["order"] else body["order_item"][0]
    del target[name]
    # When it is posted
    # Then 400 required names it, and nothing is written
    refused(api, body, (field, "required"))


@pytest.mark.parametrize("field", ["order.number", "order.customer", "order.amount", "order_item.0.price"])
def test_null_in_a_required_field_is_refused(api, field):
    # Given a required field sent as null
    body = set_field(minimal_body(), field, None)
    # When it is posted
    response = api.create_order(body)
    # Then 400 names it
    assert_error_body(response, 400)
    assert [path for path, _ in pairs(response)] == [field]


def test_everything_but_the_required_fields_may_be_left_out(api):
    # Given the smallest valid body
    # When it is posted
    answer, order = created(api, minimal_body("MIN"))
    # Then the documented defaults are stored and answered
    assert (order.shipping_amount, order.discount_amount, order.installment_count) == (
        Decimal("0.00"),
    ) * 2 + (1,)
    assert (order.client_type, order.delivery_type, order.extra_field, order.is_send) == (
        "default",
        "",
        {},
        False,
    )
    assert (
        answer["delivery_type"] is None and answer["remote_addr"] is None and answer["payment_option"] is None
    )


# --- types and formats ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("order.customer", "abc", "invalid_type"),
        ("order.customer", True, "invalid_type"),
        ("order.customer", 1.5, "invalid_type"),
        ("order.customer", 0, "out_of_range"),
        ("order.customer", 2**63, "out_of_range"),
        ("order.channel", [1], "invalid_type"),
        ("order.amount", "-1", "out_of_range"),
        ("order.amount", "1.234", "out_of_range"),
        ("order.amount", "10000000000.00", "out_of_range"),
        ("order.amount", "abc", "invalid_format"),
        ("order.amount", True, "invalid_type"),
        ("order.amount", {"value": 1}, "invalid_type"),
        ("order.shipping_amount", -0.01, "out_of_range"),
        ("order.shipping_tax_rate", 100.01, "out_of_range"),
        ("order.shipping_tax_rate", -1, "out_of_range"),
        ("order_item.0.tax_rate", "18.555", "out_of_range"),
        ("order.is_send", "maybe", "invalid_type"),
        ("order.has_gift_box", [], "invalid_type"),
        ("order.date_placed", "yesterday", "invalid_format"),
        ("order.date_placed", "2025-02-30T10:00:00Z", "invalid_format"),
        ("order.date_placed", 1735689600, "invalid_type"),
        ("order.date_placed", "1899-12-31T23:59:59Z", "out_of_range"),
        ("order.invoice_date", "9999-12-31T23:59:59-01:00", "out_of_range"),
        ("order.delivery_range", "tomorrow", "invalid_type"),
        ("order_item.0.estimated_delivery_date", "2025-13-01", "invalid_format"),
        ("order_item.0.estimated_delivery_date", 20250101, "invalid_type"),
        ("order_item.0.delivered_date", "2025-01-01T25:00:00Z", "invalid_format"),
        ("order.e_archive_url", "ftp://e-archive.com/1", "invalid_format"),
        ("order.e_archive_url", "not a url", "invalid_format"),
        ("order.defined_tracking_url", "https://", "invalid_format"),
        ("order_item.0.defined_tracking_url", "javascript:alert(1)", "invalid_format"),
        ("order.remote_addr", "999.1.1.1", "invalid_format"),
        ("order.remote_addr", "fe80::1%eth0", "invalid_format"),
        ("order.remote_addr", "localhost", "invalid_format"),
        ("order.bin_number", "12345", "invalid_format"),
        ("order.bin_number", "12a456", "invalid_format"),
        ("order.bin_number", "123456789", "too_long"),
        ("order.extra_field", [], "invalid_type"),
        ("order.cancellation_info", "none", "invalid_type"),
        ("order_item.0.attributes", [1], "invalid_type"),
        ("order.installment", 2**31, "out_of_range"),
        ("order.installment_count", 0, "out_of_range"),
        ("order.installment_count", 121, "out_of_range"),
        ("order.fundstransfertransaction_set", 1, "invalid_type"),
        ("order.fundstransfertransaction_set", ["x"], "invalid_type"),
        ("order_item.0.quantity", 0, "out_of_range"),
        ("order_item.0.quantity", 1.5, "invalid_type"),
        ("order_item.0.quantity", False, "invalid_type"),
        ("order_item.0.original_stock", 2**31, "out_of_range"),
        ("order_item.0.original_stock", True, "invalid_type"),
        ("order.number", "", "too_short"),
        ("order.number", "a\x00b", "invalid_format"),
        ("order.notes", "\ud800", "invalid_format"),
        ("order.notes", ["text"], "invalid_type"),
    ],
)
def test_a_wrong_type_or_format_is_refused_with_its_code(api, field, value, code):
    # Given the minimal body with one field of the wrong type or format
    body = set_field(minimal_body(), field, value)
    # When it is posted
    # Then 400 names the field (a list's element by its index) with the code; nothing is written
    refused(api, body, (f"{field}.0" if isinstance(value, list) and field.endswith("_set") else field, code))


def test_a_delivery_range_bound_in_a_wrong_format_is_named(api):
    # Given a delivery range whose start is not a datetime
    body = minimal_body(delivery_range={"start": "soon", "end": None})
    # When it is posted
    # Then 400 names the nested field
    refused(api, body, ("order.delivery_range.start", "invalid_format"))


@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [
        ("order.amount", 100, Decimal("100.00")),
        ("order.amount", 100.0, Decimal("100.00")),
        ("order.amount", "100.5", Decimal("100.50")),
        ("order.customer", "1", 1),
        ("order.channel", "1", None),
        ("order.invoice_number", 12345, "12345"),
        ("order.remote_addr", "2001:DB8::1", "2001:db8::1"),
        ("order.bin_number", "", ""),
        ("order.e_archive_url", "", ""),
        ("order.is_send", "true", True),
    ],
)
def test_lenient_spellings_that_clients_send_are_accepted(api, field, value, stored):
    # Given a field sent as Omnitron's clients do (numbers as strings, ids as strings...)
    body = set_field(minimal_body("LENIENT"), field, value)
    # When it is posted
    _, order = created(api, body)
    # Then the value is stored in its canonical form
    name = field.split(".")[-1]
    if stored is not None:
        assert getattr(order, f"{name}_id" if name == "customer" else name) == stored


# --- lengths ---------------------------------------------------------------------------------

ORDER_TEXT_LIMITS = {
    "number": 128,
    "payment_option_slug": 64,
    "invoice_number": 64,
    "tracking_number": 256,
    "carrier_shipping_code": 256,
    "gift_box_note": 2000,
    "language_code": 16,
    "notes": 5000,
    "shipping_option_slug": 128,
    "segment": 128,
    "e_archive_url": 1024,
    "defined_tracking_url": 1024,
}
ITEM_TEXT_LIMITS = {
    "shipping_company": 64,
    "shipment_code": 256,
    "image": 1024,
    "defined_tracking_url": 1024,
    "defined_shipping_company": 64,
    "tracking_number": 256,
}


def text_of(name: str, length: int) -> str:
    if name.endswith("_url"):
        return "https://tracking.example.com/" + "a" * (length - 29)
    return "x" * length


def test_every_text_field_at_its_maximum_length_is_stored(api):
    # Given every text field of the order and its item at its maximum length
    body = minimal_body()
    body["order"].update({name: text_of(name, limit) for name, limit in ORDER_TEXT_LIMITS.items()})
    body["order"].pop("payment_option_slug")  # must equal the payment option's slug, when sent
    body["order_item"][0].update({name: text_of(name, limit) for name, limit in ITEM_TEXT_LIMITS.items()})
    # When it is posted
    answer, order = created(api, body)
    # Then every value is stored whole
    assert len(order.number) == 128 and len(order.notes) == 5000 and len(order.defined_tracking_url) == 1024
    item = order.orderitem_set.get()
    assert len(item.image) == 1024 and len(item.shipment_code) == 256
    assert answer["e_archive_url"] == body["order"]["e_archive_url"]


@pytest.mark.parametrize(
    ("field", "limit"),
    [(f"order.{name}", limit) for name, limit in ORDER_TEXT_LIMITS.items()]
    + [(f"order_item.0.{name}", limit) for name, limit in ITEM_TEXT_LIMITS.items()],
)
def test_one_character_over_the_maximum_is_too_long(api, field, limit):
    # Given a text field one character over its documented maximum
    body = set_field(minimal_body(), field, text_of(field.split(".")[-1], limit + 1))
    # When it is posted
    error = refused(api, body, (field, "too_long"))
    # Then the message gives the limit
    assert str(limit) in error["errors"][0]["message"]


# --- enums -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "stored"),
    [(status.value, status.value) for status in OrderStatus]
    + [(code, status) for status, code in ORDER_STATUS_CODES.items()]
    + [("canceled", "cancelled"), ("APPROVED", "approved"), (" shipped ", "shipped"), (400, "approved")],
)
def test_a_status_is_accepted_as_its_name_or_its_code(api, sent, stored):
    # Given an order and item status sent as a name, a code string, the US spelling or a number
    body = minimal_body(status=sent)
    body["order_item"][0]["status"] = sent
    # When it is posted
    answer, order = created(api, body)
    # Then the name is stored and answered
    assert order.status == stored and order.orderitem_set.get().status == stored
    assert answer["status"] == stored


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("order.status", "foo"),
        ("order.status", "401"),
        ("order.status", True),
        ("order_item.0.status", "done"),
        ("order.currency", "xyz"),
        ("order.currency", "tl"),
        ("order.currency", 949),
        ("order_item.0.price_currency", "euro"),
        ("order.delivery_type", "teleport"),
        ("order.client_type", "fax"),
        ("order_item.0.cancel_status", "lost"),
    ],
)
def test_a_value_outside_its_list_is_invalid_choice(api, field, value):
    # Given an enum field with a value outside its list
    body = set_field(minimal_body(), field, value)
    # When it is posted
    response = api.create_order(body)
    # Then 400 names the field; a string gets invalid_choice, another JSON type invalid_type
    assert_error_body(response, 400)
    expected = "invalid_choice" if isinstance(value, str) else "invalid_type"
    assert pairs(response) == [(field, expected)]


def test_the_invalid_choice_message_lists_the_accepted_values(api):
    # Given an unknown order status
    # When it is posted
    response = api.create_order(minimal_body(status="foo"))
    # Then the message names the value and every accepted name and code
    message = response.json()["errors"][0]["message"]
    assert message.startswith('"foo" is not a valid order status; expected one of: cancellation_waiting, ')
    assert all(status.value in message for status in OrderStatus) and "400" in message


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("order.delivery_type", [choice.value for choice in DeliveryType]),
        ("order.client_type", [choice.value for choice in ClientType]),
        ("order_item.0.cancel_status", [choice.value for choice in CancelStatus] + [None]),
    ],
)
def test_every_documented_choice_is_accepted(api, field, values):
    # Given each documented value of a value list
    for index, value in enumerate(values):
        body = set_field(minimal_body(f"CHOICE-{index}"), field, value)
        # When it is posted
        response = api.create_order(body)
        # Then it is created and answered as sent
        assert response.status_code == 201, (value, response.content)


def test_currency_codes_are_accepted_in_any_case_and_stored_lower_case(api):
    # Given currencies in upper and mixed case
    body = minimal_body(currency="USD")
    body["order_item"][0]["price_currency"] = "uSd"
    # When posted
    answer, order = created(api, body)
    # Then they are stored and answered lower-case
    assert order.currency == "usd" and order.orderitem_set.get().price_currency == "usd"
    assert answer["currency"] == "usd"


# --- defaults ---------------------------------------------------------------------------------


def test_item_defaults_follow_omnitrons_client(api):
    # Given items with only product and price, one with a quantity, as channel-app sends them
    body = minimal_body("DEFAULTS", currency="eur", amount="130.00")
    body["order_item"] = [{"product": 1, "price": "100.00"}, {"product": 2, "price": "10.00", "quantity": 3}]
    # When posted
    _, order = created(api, body)
    # Then quantity 1, unit_price = price, total_price = price x quantity, status approved and
    # the order's currency are stored
    rows = [
        (item.quantity, item.unit_price, item.total_price, item.status, item.price_currency)
        for item in order.orderitem_set.order_by("id")
    ]
    assert rows == [
        (1, Decimal("100.00"), Decimal("100.00"), "approved", "eur"),
        (3, Decimal("10.00"), Decimal("30.00"), "approved", "eur"),
    ]
    assert not order.totals_mismatch


def test_a_default_total_too_large_for_the_money_columns_is_refused(api):
    # Given an item whose price x quantity exceeds the largest amount (no total_price sent)
    body = minimal_body()
    body["order_item"][0].update(price="9999999999.00", quantity=2)
    # When posted
    # Then 400 out_of_range on the total it would have stored
    refused(api, body, ("order_item.0.total_price", "out_of_range"))


# --- datetimes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "answered"),
    [
        ("2025-01-01T10:00:00", "2025-01-01T10:00:00Z"),
        ("2025-01-01 10:00:00.5", "2025-01-01T10:00:00.500000Z"),
        ("2025-01-01T13:00:00+03:00", "2025-01-01T10:00:00Z"),
        ("2025-01-01T10:00:00Z", "2025-01-01T10:00:00Z"),
    ],
)
def test_a_naive_datetime_is_read_as_utc(api, sent, answered):
    # Given date_placed without an offset, with a space, with an offset
    # When posted
    answer, order = created(api, minimal_body(date_placed=sent))
    # Then it is stored as that instant in UTC
    assert answer["date_placed"] == answered
    assert order.date_placed == datetime.fromisoformat(answered)


def test_date_placed_more_than_five_minutes_ahead_is_refused(api):
    # Given a date_placed 6 minutes ahead of the server's clock, and another 1 minute ahead
    ahead = (timezone.now() + timedelta(minutes=6)).isoformat()
    skewed = (timezone.now() + timedelta(minutes=1)).isoformat()
    # When both are posted
    # Then the first is out_of_range and the second (clock skew) is accepted
    error = refused(api, minimal_body("FUTURE", date_placed=ahead), ("order.date_placed", "out_of_range"))
    assert "300 seconds" in error["detail"]
    created(api, minimal_body("SKEWED", date_placed=skewed))


def test_a_delivery_range_that_ends_before_it_starts_is_refused(api):
    # Given a delivery window whose end precedes its start, and one of zero length
    backwards = {"start": "2025-05-02T10:00:00Z", "end": "2025-05-02T09:59:59Z"}
    instant = {"start": "2025-05-02T10:00:00Z", "end": "2025-05-02T13:00:00+03:00"}
    # When both are posted
    # Then the first is refused on its end and the second accepted
    refused(api, minimal_body(delivery_range=backwards), ("order.delivery_range.end", "out_of_range"))
    created(api, minimal_body("INSTANT", delivery_range=instant))


# --- cross-field rules ----------------------------------------------------------------------------


def test_payment_option_slug_must_be_the_options_slug(api):
    # Given payment option 1 (slug credit_card) sent with another slug, the right one, and none
    wrong = minimal_body("SLUG-1", payment_option=1, payment_option_slug="cash")
    right = minimal_body("SLUG-2", payment_option=1, payment_option_slug="credit_card")
    bare = minimal_body("SLUG-3", payment_option_slug="cash")
    # When posted
    # Then only the mismatch is refused
    error = refused(api, wrong, ("order.payment_option_slug", "mismatch"))
    assert "credit_card" in error["detail"]
    created(api, right)
    created(api, bare)


def test_every_items_price_currency_must_be_the_orders_currency(api):
    # Given a try order whose second item is priced in usd
    body = minimal_body(amount="200.00")
    body["order_item"] = [{"product": 1, "price": "100.00", "price_currency": "TRY"}]
    body["order_item"].append({"product": 2, "price": "100.00", "price_currency": "usd"})
    # When posted
    # Then the second item's currency is a mismatch
    refused(api, body, ("order_item.1.price_currency", "mismatch"))


def test_addresses_must_belong_to_the_orders_customer(api):
    # Given another customer of channel 1 with an address
    stranger = AddressFactory(
        customer=CustomerFactory(channel=Channel.objects.get(pk=1), email="stranger@example.com")
    )
    body = minimal_body(shipping_address=stranger.pk, billing_address=stranger.pk)
    # When customer 1's order is posted with the stranger's address
    # Then both addresses are mismatches
    error = refused(api, body, ("order.shipping_address", "mismatch"), ("order.billing_address", "mismatch"))
    assert error["errors"][0]["message"] == f"Address {stranger.pk} does not belong to customer 1."


def test_order_channel_may_be_sent_as_the_urls_channel(api):
    # Given order.channel sent as the URL's channel, as a number and as a string (channel-app)
    # When posted
    # Then both are accepted
    created(api, minimal_body("CH-1", channel=1))
    created(api, minimal_body("CH-2", channel="1"))


# --- references ---------------------------------------------------------------------------------

# Channel 2's demo rows all have id 2; channel 1 may not use them.
OTHER_CHANNEL_REFERENCES = [
    ("order.customer", 2),
    ("order.payment_option", 2),
    ("order.external_status", 2),
    ("order.fundstransfertransaction_set", [2]),
    ("order_item.0.price_list", 2),
    ("order_item.0.stock_list", 2),
    ("order_item.0.shipping_option_group", 2),
    ("order_item.0.reconciliation", 2),
    ("order_item.0.cancellation_reconciliation", 2),
]


MISSING_ID = 987654


def _missing(value):
    return [MISSING_ID] if isinstance(value, list) else MISSING_ID


@pytest.mark.parametrize(("field", "value"), OTHER_CHANNEL_REFERENCES)
def test_another_channels_row_is_answered_as_a_missing_one(api, field, value):
    # Given a reference to a row of channel 2 in an order of channel 1, and one to no row at all
    other = set_field(minimal_body(), field, value)
    missing = set_field(minimal_body(), field, _missing(value))
    path = f"{field}.0" if isinstance(value, list) else field
    # When each is posted
    # Then both are refused as not_found, with the same message but for the id, naming no other
    # channel
    error = refused(api, other, (path, "not_found"))
    assert error["detail"].endswith("does not exist in channel 1.") and "channel 2" not in error["detail"]
    assert refused(api, missing, (path, "not_found")) == json.loads(
        json.dumps(error).replace(f" {value[0] if isinstance(value, list) else value} ", f" {MISSING_ID} ")
    )


def test_another_channels_addresses_and_parent_item_are_answered_as_missing_ones(api):
    # Given channel 2's address and an item of an order of channel 2
    other_item = make_order("OTHER", channel_id=2).orderitem_set.get()
    body = minimal_body(shipping_address=2, billing_address=2)
    body["order_item"][0]["parent"] = other_item.pk
    # When posted to channel 1
    # Then each is not_found, as an id of no row is
    error = refused(
        api,
        body,
        ("order.shipping_address", "not_found"),
        ("order.billing_address", "not_found"),
        ("order_item.0.parent", "not_found"),
    )
    assert [e["message"] for e in error["errors"]] == [
        "Address 2 does not exist in channel 1.",
        "Address 2 does not exist in channel 1.",
        f"Order item {other_item.pk} does not exist in channel 1.",
    ]


@pytest.mark.parametrize(
    "field",
    [
        "order.customer",
        "order.shipping_address",
        "order.payment_option",
        "order.cargo_company",
        "order.external_status",
        "order.checkout_provider_id",
        "order_item.0.product",
        "order_item.0.price_list",
        "order_item.0.stock_list",
        "order_item.0.datasource",
        "order_item.0.shipping_option_group",
        "order_item.0.reconciliation",
        "order_item.0.cancellation_reconciliation",
        "order_item.0.parent",
    ],
)
def test_an_unknown_id_in_any_reference_is_not_found(api, field):
    # Given a reference to an id that exists nowhere
    body = set_field(minimal_body(), field, 98765)
    # When posted
    # Then it is not_found, naming the id
    error = refused(api, body, (field, "not_found"))
    assert "98765" in error["detail"]


def test_references_are_resolved_for_every_item(api):
    # Given three items, the second and third pointing at unknown products
    body = minimal_body(amount="300.00")
    body["order_item"] = [{"product": 1, "price": "100"}, {"product": 900, "price": "100"}]
    body["order_item"].append({"product": 901, "price": "100"})
    # When posted
    # Then each unknown product is named with its item index
    refused(api, body, ("order_item.1.product", "not_found"), ("order_item.2.product", "not_found"))


# --- unknown and read-only fields ----------------------------------------------------------------


def test_unknown_fields_are_ignored_but_named_in_a_warning_header_and_the_log(api, caplog):
    # Given a channel with the default (lenient) field policy and a body with a typo in each part
    body = minimal_body("TYPO", installment_cont=3, delivery_range={"start": None, "ende": None})
    body["order_item"][0]["quantiy"] = 2
    body["extra"] = True
    # When posted
    with caplog.at_level(logging.WARNING, logger="oms.orders"):
        response = api.create_order(body)
    # Then the order is created, and each unknown field is named in the Warning header and the log
    assert response.status_code == 201, response.content
    warning = response["Warning"]
    for path in ["extra", "order.installment_cont", "order.delivery_range.ende", "order_item.0.quantiy"]:
        assert f'299 oms "Unknown field ignored: {path}"' in warning
        assert path in caplog.text
    assert Order.objects.get(number="TYPO").orderitem_set.get().quantity == 1


def test_a_strict_channel_refuses_unknown_fields(api):
    # Given channel 1 set to refuse unknown fields, and a typo in the order and in an item
    Channel.objects.filter(pk=1).update(strict_fields=True)
    body = minimal_body("STRICT", installment_cont=3)
    body["order_item"][0]["quantiy"] = 2
    # When posted
    # Then 400 unknown_field names both, and nothing is written
    refused(api, body, ("order.installment_cont", "unknown_field"), ("order_item.0.quantiy", "unknown_field"))


def test_a_strict_channel_reports_unknown_fields_with_the_other_problems(api):
    # Given a strict channel and a body with a typo, an unknown product and a bad status
    Channel.objects.filter(pk=1).update(strict_fields=True)
    body = minimal_body("STRICT-2", installment_cont=3, status="nope")
    body["order_item"][0]["product"] = 987
    # When posted
    # Then all three are in the answer
    refused(
        api,
        body,
        ("order.installment_cont", "unknown_field"),
        ("order.status", "invalid_choice"),
        ("order_item.0.product", "not_found"),
    )


def test_omnitron_client_fields_are_real_fields_not_unknown(api):
    # Given the fields Omnitron's own client sends beyond the page, on a strict channel
    Channel.objects.filter(pk=1).update(strict_fields=True)
    body = minimal_body("OMNI", net_shipping_amount="8.47", shipping_amount="10.00", amount="110.00")
    body["order_item"][0].update(
        attributes_kwargs={"color": {"value": "red"}},
        delivered_date="2025-01-03T10:00:00Z",
        tracking_number="TR-1",
    )
    # When posted
    response = api.create_order(body)
    # Then they are stored without a warning
    assert response.status_code == 201, response.content
    assert "Warning" not in response
    order = Order.objects.get(number="OMNI")
    item = order.orderitem_set.get()
    assert order.net_shipping_amount == Decimal("8.47")
    assert (item.attributes_kwargs, item.tracking_number) == ({"color": {"value": "red"}}, "TR-1")
    assert item.delivered_date.isoformat() == "2025-01-03T10:00:00+00:00"


def test_an_answer_sent_back_as_a_request_is_accepted_without_warnings(api, seed_body):
    # Given a strict channel and the answer to the seed order, sent back under a new number with
    # its item as the page shows it (including the item's `order`)
    answer = api.create_order(seed_body).json()
    Channel.objects.filter(pk=1).update(strict_fields=True)
    order = {**answer, "number": "ECHO"}
    item = {**seed_body["order_item"][0], "pk": 1, "id": 1, "invoice_number": "", "created_date": None}
    # When it is posted
    response = api.create_order({"order": order, "order_item": [item]})
    # Then the read-only fields (pk, id, derived fields) are ignored: created, no warning
    assert response.status_code == 201, response.content
    assert "Warning" not in response
    assert response.json()["pk"] != answer["pk"]


def test_the_warning_header_stays_ascii_and_bounded(api):
    # Given unknown keys with a newline, quotes and non-Latin text, and hundreds more of them
    body = minimal_body("HEADER", **{'a\nb"c': 1, "ürün ş": 2})
    body["order"].update({f"unknown_{index}": index for index in range(300)})
    # When posted
    response = api.create_order(body)
    # Then the order is created; the Warning header is one ASCII line, escaped and capped
    assert response.status_code == 201, response.content
    warning = response["Warning"]
    assert warning.isascii() and "\n" not in warning and len(warning) < 2500
    assert r"order.a\nb\"c" in warning and r"order.\u00fcr\u00fcn \u015f" in warning
    assert warning.endswith('more warnings; see the log"')


# --- totals ---------------------------------------------------------------------------------------


def mismatched_totals() -> dict:
    """An order whose amount is not items + shipping - discount, and whose item total is off."""
    body = minimal_body("TOTALS", amount="95.00", shipping_amount="10.00", discount_amount="5.00")
    body["order_item"] = [{"product": 1, "price": "50.00", "quantity": 2, "total_price": "99.00"}]
    return body


def test_totals_that_add_up_are_not_flagged(api):
    # Given an order whose amount is items + shipping - discount
    body = minimal_body("SUMS", amount="105.00", shipping_amount="10.00", discount_amount="5.00")
    # When posted on a channel that warns
    response = api.create_order(body)
    # Then it is stored unflagged, without a warning
    assert response.status_code == 201 and "Warning" not in response
    assert response.json()["totals_mismatch"] is False


def test_totals_warn_stores_the_order_flagged_with_the_computed_figures(api):
    # Given the default channel setting (warn) and totals that do not add up
    assert Channel.objects.get(pk=1).totals_check == Channel.TotalsCheck.WARN
    # When the order is posted
    response = api.create_order(mismatched_totals())
    # Then it is stored as sent, flagged with what the totals should be, and the answer warns
    assert response.status_code == 201, response.content
    assert response.json()["totals_mismatch"] is True
    assert "Totals do not add up" in response["Warning"]
    order = Order.objects.get(number="TOTALS")
    assert (order.amount, order.orderitem_set.get().total_price) == (Decimal("95.00"), Decimal("99.00"))
    assert order.totals_mismatch and order.totals_computed == {
        "amount": "104.00",
        "item_total_prices": ["99.00"],
    }
    assert Order.objects.filter(totals_mismatch=True).count() == 1


def test_totals_reject_answers_400_mismatch_with_the_computed_figures(api):
    # Given a channel that rejects mismatching totals
    Channel.objects.filter(pk=1).update(totals_check=Channel.TotalsCheck.REJECT)
    # When an order whose totals do not add up is posted
    error = refused(
        api, mismatched_totals(), ("order_item.0.total_price", "mismatch"), ("order.amount", "mismatch")
    )
    # Then the messages carry the computed figures
    messages = json.dumps(error)
    assert "price x quantity is 100.00" in messages
    assert "items + shipping_amount - discount_amount is 104.00" in messages


def test_totals_off_stores_the_order_unflagged(api):
    # Given a channel that does not check totals
    Channel.objects.filter(pk=1).update(totals_check=Channel.TotalsCheck.OFF)
    # When an order whose totals do not add up is posted
    response = api.create_order(mismatched_totals())
    # Then it is stored as sent, unflagged, without a warning
    assert response.status_code == 201 and "Warning" not in response
    assert not Order.objects.get(number="TOTALS").totals_mismatch


def test_the_pages_example_satisfies_both_totals_rules(api, seed_body):
    # Given the page's example on a channel that rejects mismatches
    Channel.objects.filter(pk=1).update(totals_check=Channel.TotalsCheck.REJECT)
    # When it is posted
    response = api.create_order(seed_body)
    # Then it is created
    assert response.status_code == 201, response.content
    assert OrderItem.objects.filter(order__number="1234567890").count() == 1
