"""What a client may write in text and number fields, through HTTP on every resource: what the
databases cannot store, or what a client cannot mean, is a 400 naming the field, never a 500 and
never stored changed (issue 21)."""

from __future__ import annotations

import pytest

from conftest import ApiClient
from oms.access.services import create_api_key
from oms.channels.models import Channel
from oms.core.tests.snapshot import db_snapshot
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
