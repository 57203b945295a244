"""What a client may write in text and number fields, through HTTP on every resource: what the
databases cannot store, or what a client cannot mean, is a 400 naming the field, never a 500 and
never stored changed (issue 21)."""

from __future__ import annotations

import json

import pytest

from conftest import ApiClient
from oms.access.services import create_api_key
from oms.channels.models import Channel
from oms.core.tests.snapshot import db_snapshot
from oms.orders.models import Order
from oms.orders.tests.given import make_order
from oms.orders.tests.payloads import minimal_body

pytestmark = pytest.mark.django_db

NUL = "a\x00b"


@pytest.fixture
def catalog(demo, key_for) -> ApiClient:
    return ApiClient(key_for(shared=True))


def key_for_channels(*channel_ids: int) -> str:
    return create_api_key(name="test", channels=Channel.objects.filter(pk__in=channel_ids))[1]


def _refused(response, path: str, code: str) -> None:
    assert response.status_code == 400, response.content
    problems = {(error["path"], error["code"]) for error in response.json()["errors"]}
    assert (path, code) in problems, problems


@pytest.mark.parametrize(
    ("method", "url", "body", "path"),
    [
        ("post", "/api/v1/channel/1/customers/", {"email": "n@example.com", "first_name": NUL}, "first_name"),
        ("patch", "/api/v1/channel/1/customers/1/", {"channel_code": NUL}, "channel_code"),
        ("put", "/api/v1/channel/1/customers/1/", {"erp_code": NUL}, "erp_code"),
        ("patch", "/api/v1/channel/1/addresses/1/", {"line": NUL}, "line"),
        ("patch", "/api/v1/channel/1/addresses/1/", {"remote_id": NUL}, "remote_id"),
        (
            "post",
            "/api/v1/channel/1/addresses/",
            {"customer": 1, "title": NUL, "line": "x", "country": 1, "city": 1},
            "title",
        ),
    ],
)
def test_nul_in_customer_and_address_text_is_refused(api, method, url, body, path):
    # Given the database as it is
    before = db_snapshot()
    # When a text field holds NUL
    response = getattr(api, method)(url, body)
    # Then 400 invalid_format names the field, and nothing is written
    _refused(response, path, "invalid_format")
    assert db_snapshot() == before


@pytest.mark.parametrize(
    ("method", "url", "body", "path"),
    [
        ("post", "/api/v1/products/", {"sku": "NEW-1", "name": NUL}, "name"),
        ("patch", "/api/v1/products/1/", {"barcode": NUL}, "barcode"),
        ("patch", "/api/v1/products/1/", {"base_code": NUL}, "base_code"),
        ("post", "/api/v1/products/bulk_upsert/", {"rows": [{"sku": NUL, "name": "x"}]}, "rows.0.sku"),
        ("post", "/api/v1/price_lists/1/prices/", {"sku": NUL, "price": "1"}, "sku"),
    ],
)
def test_nul_in_catalog_text_is_refused(catalog, method, url, body, path):
    # Given the database as it is
    before = db_snapshot()
    # When a catalog text field holds NUL
    response = getattr(catalog, method)(url, body)
    # Then 400 invalid_format names the field, and nothing is written
    _refused(response, path, "invalid_format")
    assert db_snapshot() == before


SURROGATE = "a\ud800b"


@pytest.mark.parametrize(
    ("url", "body", "path", "code"),
    [
        ("/api/v1/channel/1/addresses/1/", {"address_type": SURROGATE}, "address_type", "invalid_choice"),
        (
            "/api/v1/channel/1/order_items/{item}/",
            {"cancel_status": SURROGATE},
            "cancel_status",
            "invalid_choice",
        ),
        ("/api/v1/channel/1/order_items/{item}/", {"status": SURROGATE}, "status", "invalid_choice"),
        ("/api/v1/channel/1/customers/1/", {"first_name": SURROGATE}, "first_name", "invalid_format"),
    ],
)
def test_a_lone_surrogate_in_a_field_is_named_not_a_500(api, url, body, path, code):
    # Given an order item, and a value holding a lone surrogate
    item = make_order("SURR-1").orderitem_set.get().pk
    before = db_snapshot()
    # When it is sent
    response = api.patch(url.format(item=item), body)
    # Then 400 names the field, quoting the value escaped, and nothing is written
    _refused(response, path, code)
    assert "\\ud800" in response.json()["errors"][0]["message"] or code == "invalid_format"
    assert db_snapshot() == before


def test_a_lone_surrogate_in_a_cancel_reasons_key_is_named(api):
    # Given an order
    order = make_order("SURR-2")
    before = db_snapshot()
    # When its cancel body's reasons has a key holding a lone surrogate
    response = api.post(
        f"/api/v1/channel/1/orders/{order.pk}/cancel/", {"is_all": True, "reasons": {SURROGATE: 1}}
    )
    # Then 400 names reasons, and nothing is written
    _refused(response, "reasons", "invalid_format")
    assert db_snapshot() == before


def test_a_lone_surrogate_in_an_unknown_key_is_quoted_safely(api, seed_body):
    # Given a strict channel 2 and a lenient channel 1, and bodies with an unknown key holding a
    # lone surrogate
    Channel.objects.filter(pk=2).update(strict_fields=True)
    strict_body = minimal_body("SURR-3", customer=2, shipping_address=2, billing_address=2)
    strict_body["order"][SURROGATE] = 1
    lenient_body = minimal_body("SURR-4")
    lenient_body["order"][SURROGATE] = 1
    # When each is posted
    strict = ApiClient(key_for_channels(2)).create_order(strict_body, channel_id=2)
    lenient = api.create_order(lenient_body)
    # Then the strict channel names it as unknown, escaped; the lenient one warns of it, escaped
    _refused(strict, "order.a\\ud800b", "unknown_field")
    assert lenient.status_code == 201, lenient.content
    assert "order.a\\\\ud800b" in lenient.headers["Warning"]


# --- numbers --------------------------------------------------------------------------------------

# JSON texts (so a number can be written as the client wrote it, 1e-400 included) that no client
# means as the number it would be read as.
UNPLAIN_NUMBERS = [
    '"1_000"',
    '"\\u0661\\u0660\\u0660"',
    '" 100 "',
    '"+"',
    '"1e3"',
    '"1.2.3"',
    '"0x10"',
    "1e-400",
]
UNPLAIN_INTEGERS = ['"1e3"', '"1_0"', '"\\u0661"', '" 1"', '"+"', '"1.0"', "1.00000000000000000001"]


def _with(body: dict, path: str, json_text: str) -> str:
    """`body` as JSON with the value at `path` written as `json_text`."""
    *parents, last = path.split(".")
    node = body
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[last] = "__RAW__"
    return json.dumps(body).replace('"__RAW__"', json_text)


@pytest.mark.parametrize("number", UNPLAIN_NUMBERS)
@pytest.mark.parametrize("path", ["order.amount", "order_item.0.price", "order.shipping_tax_rate"])
def test_money_and_rates_take_plain_decimals_only(api, path, number):
    # Given the database as it is, and an order whose money or rate field is not a plain decimal
    before = db_snapshot()
    # When it is posted
    response = api.post("/api/v1/channel/1/create_orders/", raw=_with(minimal_body("NUM-1"), path, number))
    # Then 400 invalid_format names the field, and nothing is written
    _refused(response, path, "invalid_format")
    assert db_snapshot() == before


@pytest.mark.parametrize("number", UNPLAIN_INTEGERS)
@pytest.mark.parametrize("path", ["order.customer", "order_item.0.product", "order_item.0.quantity"])
def test_ids_and_quantities_take_integers_only(api, path, number):
    # Given an order whose id or quantity is not an integer written plainly
    before = db_snapshot()
    # When it is posted
    response = api.post("/api/v1/channel/1/create_orders/", raw=_with(minimal_body("NUM-2"), path, number))
    # Then 400 names the field (invalid_type for a JSON number with a fraction or an exponent,
    # invalid_format for a string), and nothing is written
    code = "invalid_type" if number == "1.0" else "invalid_format"
    _refused(response, path, code)
    assert db_snapshot() == before


def test_a_json_number_with_an_exponent_is_not_an_id(api):
    # Given an order whose customer is the JSON number 1e0 (1.0)
    # When it is posted
    response = api.post(
        "/api/v1/channel/1/create_orders/", raw=_with(minimal_body("NUM-3"), "order.customer", "1e0")
    )
    # Then it is refused as not an integer
    _refused(response, "order.customer", "invalid_type")


@pytest.mark.parametrize(
    ("path", "number", "stored"),
    [
        ("order.amount", '"20.00"', "20.00"),
        ("order.amount", "20", "20.00"),
        ("order.amount", "20.0", "20.00"),
        ("order.amount", '"+20"', "20.00"),
        ("order.amount", "2e1", "20.00"),
        ("order.customer", '"1"', 1),
    ],
)
def test_plain_numbers_are_read_as_written(api, path, number, stored):
    # Given an order whose amount or customer is written plainly, as a string or a JSON number
    body = minimal_body("NUM-4", amount="20.00")
    body["order_item"] = [{"product": 1, "price": "10.00"}, {"product": 1, "price": "10.00"}]
    # When it is posted
    response = api.post("/api/v1/channel/1/create_orders/", raw=_with(body, path, number))
    # Then it is created with the number sent
    assert response.status_code == 201, response.content
    order = Order.objects.get(number="NUM-4")
    assert str(order.amount) == "20.00" and order.customer_id == 1
    assert str(getattr(order, path.split(".")[1] + ("_id" if stored == 1 else ""))) == str(stored)


@pytest.mark.parametrize(
    ("url", "body", "path"),
    [
        ("/api/v1/price_lists/1/prices/", '{"sku": "DEMO-MUG", "price": "1_000"}', "price"),
        (
            "/api/v1/price_lists/1/prices/",
            '{"sku": "DEMO-MUG", "price": "1", "tax_rate": "\\u0661\\u0668"}',
            "tax_rate",
        ),
        ("/api/v1/stock_lists/1/stocks/", '{"sku": "DEMO-MUG", "quantity": "1e3"}', "quantity"),
        (
            "/api/v1/stock_lists/1/stocks/bulk_upsert/",
            '{"rows": [{"sku": "DEMO-MUG", "quantity": " 5"}]}',
            "rows.0.quantity",
        ),
        (
            "/api/v1/products/bulk_upsert/",
            '{"rows": [{"sku": "X-1", "name": "x", "is_active": true}], "error_policy": 1e-400}',
            "error_policy",
        ),
    ],
)
def test_catalog_numbers_take_plain_forms_only(catalog, url, body, path):
    # Given the database as it is
    before = db_snapshot()
    # When a catalog row's number is not written plainly
    response = catalog.post(url, raw=body)
    # Then 400 names the field, and nothing is written
    assert response.status_code == 400, response.content
    assert path in {error["path"] for error in response.json()["errors"]}
    assert db_snapshot() == before


@pytest.mark.parametrize(
    ("params", "path"),
    [({"customer": "\u0661"}, "customer"), ({"pk__in": "1,1_0"}, "pk__in"), ({"pk": "+"}, "pk")],
)
def test_query_filters_read_numbers_as_bodies_do(api, params, path):
    # Given / When a list filter's id is not written in ASCII digits
    response = api.get("/api/v1/channel/1/orders/", **params)
    # Then 400 invalid_format names the parameter
    _refused(response, path, "invalid_format")


def test_a_filter_date_in_other_digits_is_refused(api):
    # Given / When a date filter is written in Arabic-Indic digits
    response = api.get("/api/v1/channel/1/orders/", date_placed__gte="\u0662\u0660\u0662\u0665-01-01")
    # Then 400 invalid_format names it
    _refused(response, "date_placed__gte", "invalid_format")


# --- natural keys ----------------------------------------------------------------------------------

INVISIBLE = ["\u202e", "\u2066", "\u200b", "\u200d", "\ufeff", "\u00ad", "\u00a0", "\x07"]


@pytest.mark.parametrize("char", INVISIBLE, ids=lambda char: f"U+{ord(char):04X}")
def test_an_order_number_holds_no_invisible_character(api, char):
    # Given an order number with an invisible or direction-changing character
    before = db_snapshot()
    # When it is posted
    response = api.create_order(minimal_body(f"WEB{char}1001"))
    # Then 400 invalid_format names it, and nothing is written
    _refused(response, "order.number", "invalid_format")
    assert db_snapshot() == before


@pytest.mark.parametrize(
    ("url", "body", "path"),
    [
        ("/api/v1/channel/1/customers/", {"email": "a\u200b@example.com"}, "email"),
        (
            "/api/v1/channel/1/customers/",
            {"email": "b@example.com", "channel_code": "12\u202e34"},
            "channel_code",
        ),
        (
            "/api/v1/channel/1/integration_actions/",
            {"content_type": "order", "object_id": 1, "remote_id": "R\ufeff1"},
            "remote_id",
        ),
    ],
)
def test_channel_keys_hold_no_invisible_character(api, url, body, path):
    # Given the database as it is
    before = db_snapshot()
    # When a lookup key holds an invisible character
    response = api.post(url, body)
    # Then 400 invalid_format names it, and nothing is written
    _refused(response, path, "invalid_format")
    assert db_snapshot() == before


def test_a_sku_holds_no_invisible_character(catalog):
    # Given / When a product's sku holds a zero-width space
    response = catalog.post("/api/v1/products/", {"sku": "MUG\u200b", "name": "Mug"})
    # Then 400 invalid_format names it
    _refused(response, "sku", "invalid_format")


def test_a_logged_payload_keeps_a_number_as_it_was_written(api):
    # Given an operational event whose raw_data holds a number no float holds exactly
    body = '{"event_type": "sync", "level": "info", "raw_data": {"raw_request": 1e-400}}'
    # When it is posted
    response = api.post("/api/v1/channel/1/operational_events/", raw=body)
    # Then it is kept as written, not as 0.0
    assert response.status_code == 201, response.content
    assert response.json()["raw_data"] == {"raw_request": "1e-400"}


def test_a_free_form_object_holds_only_exact_numbers(api):
    # Given an order whose extra_field holds a number no float holds exactly
    before = db_snapshot()
    raw = _with(minimal_body("NUM-5"), "order.extra_field", '{"weight": 1e-400}')
    # When it is posted
    response = api.post("/api/v1/channel/1/create_orders/", raw=raw)
    # Then 400 invalid_format names the object, and nothing is written
    _refused(response, "order.extra_field", "invalid_format")
    assert db_snapshot() == before


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/channel/1/customers/0_1/",
        "/api/v1/channel/1/customers/+1/",
        "/api/v1/channel/1/customers/%201/",
        "/api/v1/channel/0_1/customers/1/",
        "/api/v1/channel/%D9%A1/customers/1/",
        "/api/v1/products/0_1/",
    ],
)
def test_an_id_in_a_path_is_ascii_digits(api, url):
    # Given / When a path names customer or channel 1 in a form no client means
    response = api.get(url)
    # Then it is an unknown path, not customer 1 of channel 1
    assert response.status_code == 404, response.content
    assert response.json()["errors"][0]["code"] == "not_found"


@pytest.mark.parametrize("param", ["number", "status", "customer", "date_placed__gte", "sort"])
def test_a_query_parameter_that_is_no_utf_8_is_named_not_a_500(api, param):
    # Given / When a list filter's value is the UTF-8 encoding of a lone surrogate
    response = api.client.get(f"/api/v1/channel/1/orders/?{param}=a%ED%A0%80b", **api.auth)
    # Then the answer is a 200 (an exact match of nothing) or a 400 naming the parameter
    assert response.status_code in {200, 400}, response.content
    if response.status_code == 400:
        assert [error["path"] for error in response.json()["errors"]] == [param]
