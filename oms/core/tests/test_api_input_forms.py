"""What a client may write in text and number fields, through HTTP on every resource: what the
databases cannot store, or what a client cannot mean, is a 400 naming the field, never a 500 and
never stored changed (issue 21)."""

from __future__ import annotations

import pytest

from conftest import ApiClient
from oms.core.tests.snapshot import db_snapshot

pytestmark = pytest.mark.django_db

NUL = "a\x00b"


@pytest.fixture
def catalog(demo, key_for) -> ApiClient:
    return ApiClient(key_for(shared=True))


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
