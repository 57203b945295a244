"""The error contract of create_orders through HTTP: one body for every 4xx, validation failures
as 400 with every problem at once, malformed requests, size limits, and nothing written."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from conftest import ApiClient
from oms.core.errors import ErrorCode
from oms.orders.models import Order, OrderItem
from oms.orders.tests.payloads import minimal_body

pytestmark = pytest.mark.django_db
URL = "/api/v1/channel/{}/create_orders/"
CODES = {code.value for code in ErrorCode}


def counts() -> tuple[int, int]:
    return Order.objects.count(), OrderItem.objects.count()


def pairs(response) -> list[tuple[str, str]]:
    """The (path, code) of every problem in an error answer."""
    return [(error["path"], error["code"]) for error in response.json()["errors"]]


def assert_error_body(response, status: int) -> dict:
    """The one error body: JSON, `detail` a string, `errors` a non-empty list of path/code/message."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["errors"], body
    for error in body["errors"]:
        assert set(error) == {"path", "code", "message"}
        assert isinstance(error["path"], str) and isinstance(error["message"], str) and error["message"]
        assert error["code"] in CODES
    return body


# --- one body for every 4xx ---------------------------------------------------------------


def test_every_4xx_status_of_create_orders_carries_the_one_error_body(api, key_for, seed_body, settings):
    # Given a request for each error status the endpoint can answer
    assert api.create_order(seed_body).status_code == 201
    seed_body["order"]["notes"] = "other content, same number"
    # When they are sent
    answers = {
        400: api.post(URL.format(1), raw="{not json"),
        401: ApiClient(None).create_order(seed_body),
        404: api.create_order(seed_body, channel_id=999),
        405: api.get(URL.format(1)),
        409: api.create_order(seed_body),
        415: api.post(URL.format(1), raw="order=1", content_type="text/plain"),
    }
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    answers[413] = api.post(URL.format(1), raw=json.dumps(minimal_body("BIG", notes="x" * 200)))
    # Then every answer is JSON with detail and errors of path, code and message
    for status, response in answers.items():
        body = assert_error_body(response, status)
        assert set(body) <= {"detail", "errors", "existing_id"}
    assert answers[405]["Allow"] == "POST"


def test_validation_failures_are_400_not_ninjas_422(api):
    # Given a body that fails the schema
    body = minimal_body(amount="not money")
    # When it is posted
    response = api.create_order(body)
    # Then the answer is 400, as Omnitron's
    assert_error_body(response, 400)
    assert pairs(response) == [("order.amount", "invalid_format")]


def test_an_unexpected_crash_is_a_json_500_and_writes_nothing(token, seed_body, monkeypatch):
    # Given a service that fails unexpectedly after validation
    def crash(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("oms.orders.api.create.create_order", crash)
    client = Client(raise_request_exception=False)
    before = counts()
    # When an order is posted
    response = client.post(
        URL.format(1), data=json.dumps(seed_body), content_type="application/json", HTTP_AUTHORIZATION=token
    )
    # Then the answer is a 500 with the error body, and nothing is written
    body = assert_error_body(response, 500)
    assert body["errors"][0]["code"] == "internal_error"
    assert "boom" not in response.content.decode()
    assert counts() == before


# --- every problem at once, nothing written -------------------------------------------------


def test_a_request_with_many_problems_gets_them_all_in_one_400_and_nothing_is_written(api, seed_body):
    # Given the seed body broken in many ways, in the order, its items and their references
    order, item = seed_body["order"], seed_body["order_item"][0]
    order.update(
        status="foo",
        date_placed="yesterday",
        notes="x" * 5001,
        e_archive_url="ftp://e-archive.com/1",
        remote_addr="1.2.3",
        bin_number="12",
        currency="xyz",
        installment_count=0,
        is_send="maybe",
        customer=987,
    )
    item.update(product=987, price="-1", cancel_status="lost", quantity=1.5, price_list=2)
    seed_body["order_item"].append({"product": 986})
    before = counts()
    # When it is posted
    response = api.create_order(seed_body)
    # Then one 400 names every problem, with wire paths and zero-based item indexes
    body = assert_error_body(response, 400)
    assert set(pairs(response)) == {
        ("order.status", "invalid_choice"),
        ("order.date_placed", "invalid_format"),
        ("order.notes", "too_long"),
        ("order.e_archive_url", "invalid_format"),
        ("order.remote_addr", "invalid_format"),
        ("order.bin_number", "invalid_format"),
        ("order.currency", "invalid_choice"),
        ("order.installment_count", "out_of_range"),
        ("order.is_send", "invalid_type"),
        ("order.customer", "not_found"),
        ("order_item.0.product", "not_found"),
        ("order_item.0.price", "out_of_range"),
        ("order_item.0.cancel_status", "invalid_choice"),
        ("order_item.0.quantity", "invalid_type"),
        ("order_item.0.price_list", "not_found"),
        ("order_item.1.price", "required"),
        ("order_item.1.product", "not_found"),
    }
    assert body["detail"] == "17 problems in the request."
    assert body["errors"][0]["message"].startswith('"foo" is not a valid order status; expected one of: ')
    # And nothing was written
    assert counts() == before


def test_schema_reference_and_cross_field_problems_come_together(api, seed_body):
    # Given a body that parses but has an unknown product, a wrong payment option slug, another
    # currency on its item and a delivery window that ends before it starts
    seed_body["order"]["payment_option_slug"] = "cash"
    seed_body["order"]["delivery_range"] = {"start": "2025-05-02T10:00:00Z", "end": "2025-05-01T10:00:00Z"}
    seed_body["order_item"][0].update(product=987, price_currency="usd")
    before = counts()
    # When it is posted
    response = api.create_order(seed_body)
    # Then the reference and the cross-field problems are all in the one answer
    assert_error_body(response, 400)
    assert set(pairs(response)) == {
        ("order_item.0.product", "not_found"),
        ("order.payment_option_slug", "mismatch"),
        ("order_item.0.price_currency", "mismatch"),
        ("order.delivery_range.end", "out_of_range"),
    }
    assert counts() == before


# --- malformed requests ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("{not json", [("", "invalid_json")], id="invalid-json"),
        pytest.param("", [("", "invalid_json")], id="empty-body"),
        pytest.param('{"order": NaN}', [("", "invalid_json")], id="nan-token"),
        pytest.param(b'{"order": "\xff"}', [("", "invalid_json")], id="not-utf8"),
        pytest.param("[]", [("", "invalid_type")], id="array"),
        pytest.param('"order"', [("", "invalid_type")], id="string"),
        pytest.param("null", [("", "invalid_type")], id="null"),
        pytest.param("42", [("", "invalid_type")], id="number"),
        pytest.param("{}", [("order", "required"), ("order_item", "required")], id="empty-object"),
        pytest.param(
            '{"order": [], "order_item": {}}',
            [("order", "invalid_type"), ("order_item", "invalid_type")],
            id="order-not-object-items-not-list",
        ),
        pytest.param(
            '{"order": "x", "order_item": []}',
            [("order", "invalid_type"), ("order_item", "too_short")],
            id="empty-item-list",
        ),
        pytest.param(
            '{"order": null, "order_item": [1, "x", null]}',
            [
                ("order", "invalid_type"),
                ("order_item.0", "invalid_type"),
                ("order_item.1", "invalid_type"),
                ("order_item.2", "invalid_type"),
            ],
            id="items-not-objects",
        ),
    ],
)
def test_malformed_bodies_are_400_with_the_error_body(api, raw, expected):
    # Given a body that is not a create-order object
    before = counts()
    # When it is posted as JSON
    response = api.post(URL.format(1), raw=raw, CONTENT_TYPE="application/json")
    # Then 400 names what is wrong, and nothing is written
    assert_error_body(response, 400)
    assert pairs(response) == expected
    assert counts() == before


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
        "multipart/form-data; boundary=x",
        "",
    ],
)
def test_a_body_not_sent_as_json_is_415(api, seed_body, content_type):
    # Given the seed body sent with another content type (or none)
    before = counts()
    # When it is posted
    response = api.client.generic(
        "POST", URL.format(1), data=json.dumps(seed_body), content_type=content_type, **api.auth
    )
    # Then 415 with the error body, and nothing is written
    assert_error_body(response, 415)
    assert pairs(response) == [("", "unsupported_media_type")]
    assert counts() == before


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/vnd.oms+json"])
def test_json_with_parameters_or_a_json_suffix_is_accepted(api, seed_body, content_type):
    # Given the seed body with a charset parameter or a +json media type
    # When it is posted
    response = api.post(URL.format(1), raw=json.dumps(seed_body), content_type=content_type)
    # Then it is created
    assert response.status_code == 201, response.content


# --- size limits ----------------------------------------------------------------------------


def test_a_body_over_one_mebibyte_is_413_before_it_is_parsed(api, settings):
    # Given the default limit of 1 MiB and a body one byte over it that is not even JSON
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 1024 * 1024
    raw = "{" + "x" * (1024 * 1024)
    before = counts()
    # When it is posted
    response = api.post(URL.format(1), raw=raw)
    # Then 413 (not invalid_json: the body was refused unread), and nothing is written
    assert_error_body(response, 413)
    assert pairs(response) == [("", "too_large")]
    assert counts() == before


def test_the_body_limit_follows_the_setting(api, settings):
    # Given a limit lowered to 2 KiB
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    small = minimal_body("SMALL")
    large = minimal_body("LARGE", notes="x" * 2048)
    # When a body under it and one over it are posted
    accepted = api.create_order(small)
    refused = api.create_order(large)
    # Then the first is created and the second is 413
    assert accepted.status_code == 201
    assert_error_body(refused, 413)
    assert not Order.objects.filter(number="LARGE").exists()


def test_more_items_than_the_limit_is_400_too_many(api):
    # Given the default limit of 500 items and an order with 501
    body = minimal_body("MANY", amount="501.00")
    body["order_item"] = [{"product": 1, "price": "1.00"}] * 501
    before = counts()
    # When it is posted
    response = api.create_order(body)
    # Then 400 too_many on order_item, and nothing is written
    assert_error_body(response, 400)
    assert pairs(response) == [("order_item", "too_many")]
    assert "at most 500 items" in response.json()["detail"]
    assert counts() == before


def test_the_item_limit_follows_the_setting(api, settings):
    # Given a limit of 3 items
    settings.OMS_MAX_ITEMS_PER_ORDER = 3
    three, four = minimal_body("THREE", amount="3.00"), minimal_body("FOUR", amount="4.00")
    three["order_item"] = [{"product": 1, "price": "1.00"}] * 3
    four["order_item"] = [{"product": 1, "price": "1.00"}] * 4
    # When orders of 3 and 4 items are posted
    accepted, refused = api.create_order(three), api.create_order(four)
    # Then 3 items are accepted and 4 are too many
    assert accepted.status_code == 201
    assert pairs(refused) == [("order_item", "too_many")]


def nested(depth: int) -> dict:
    """An object whose objects nest `depth` levels (1: a flat object)."""
    value: dict = {"leaf": 1}
    for _ in range(depth - 1):
        value = {"child": value}
    return value


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("order.extra_field", nested(9), "too_large"),
        ("order.cancellation_info", {"list": [[[[[[[[["deep"]]]]]]]]]}, "too_large"),
        ("order_item.0.attributes", {"blob": "x" * (32 * 1024)}, "too_large"),
        ("order_item.0.extra_field", {"nul": "a\x00b"}, "invalid_format"),
        ("order_item.0.localized_attributes", {"a\x00": 1}, "invalid_format"),
        ("order_item.0.attributes_kwargs", {"surrogate": "\ud800"}, "invalid_format"),
    ],
)
def test_free_form_objects_that_cannot_be_stored_are_refused(api, field, value, code):
    # Given a free-form JSON object nested too deep, too large, or with text no database stores
    body = minimal_body("JSON")
    where, name = field.rsplit(".", 1)
    (body["order"] if where == "order" else body["order_item"][0])[name] = value
    before = counts()
    # When it is posted
    response = api.create_order(body)
    # Then 400 names the field, and nothing is written
    assert_error_body(response, 400)
    assert pairs(response) == [(field, code)]
    assert counts() == before


def test_free_form_objects_within_the_limits_are_stored_as_sent(api):
    # Given objects nested 8 levels and just under 32 KiB
    body = minimal_body("JSON-OK", extra_field=nested(8))
    body["order_item"][0]["attributes"] = {"blob": "x" * (32 * 1024 - 100), "n": 1.5, "ok": [True, None]}
    # When posted
    response = api.create_order(body)
    # Then they are stored and answered unchanged
    assert response.status_code == 201, response.content
    order = Order.objects.get(number="JSON-OK")
    assert order.extra_field == nested(8)
    assert order.orderitem_set.get().attributes["n"] == 1.5


def test_a_non_finite_number_in_a_free_form_object_is_refused(api):
    # Given a JSON number too large for a float (1e400 reads as infinity) inside extra_field
    raw = json.dumps(minimal_body("INF", extra_field={"x": 1})).replace('{"x": 1}', '{"x": 1e400}')
    # When it is posted
    response = api.post(URL.format(1), raw=raw)
    # Then 400 out_of_range on the field, never a database error
    assert_error_body(response, 400)
    assert pairs(response) == [("order.extra_field", "out_of_range")]
