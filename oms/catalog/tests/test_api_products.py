"""The products endpoints through HTTP: shared data, written only with the shared grant."""

import pytest

from conftest import ApiClient
from oms.catalog.models import Product

pytestmark = pytest.mark.django_db
PRODUCTS = "/api/v1/products/"
PRODUCT = "/api/v1/products/{}/"
TSHIRT = {
    "sku": "TSHIRT-RED-M",
    "name": "T-shirt, red, M",
    "base_code": "TSHIRT-RED",
    "barcode": "8690000000001",
    "attributes": {"color": "red", "size": "M"},
}


@pytest.fixture
def catalog(demo, key_for) -> ApiClient:
    """The catalog team: a key with the shared grant and no channel."""
    return ApiClient(key_for(shared=True))


def test_creates_a_product_with_the_shared_grant(catalog):
    # Given a product body
    # When the catalog team posts it
    response = catalog.post(PRODUCTS, TSHIRT)
    # Then it is created and answered
    assert response.status_code == 201, response.content
    body = response.json()
    product = Product.objects.get(pk=body["pk"])
    assert (product.sku, product.name, product.attributes) == (
        "TSHIRT-RED-M",
        "T-shirt, red, M",
        TSHIRT["attributes"],
    )
    assert body["sku"] == "TSHIRT-RED-M" and body["is_active"] is True


def test_a_channel_key_may_read_but_not_write_products(api):
    # Given the demo key, granted channel 1 without the shared grant
    before = Product.objects.count()
    # When it writes and reads products
    writes = [
        api.post(PRODUCTS, TSHIRT),
        api.patch(PRODUCT.format(1), {"name": "renamed"}),
        api.delete(PRODUCT.format(3)),
        api.post(PRODUCTS + "bulk_upsert/", {"rows": [TSHIRT]}),
    ]
    read = api.get(PRODUCTS, sku="DEMO-MUG")
    # Then every write is forbidden and nothing changed, while reading works
    assert [answer.status_code for answer in writes] == [403, 403, 403, 403]
    assert writes[0].json()["errors"][0]["code"] == "permission_denied"
    assert Product.objects.count() == before and Product.objects.get(pk=1).name == "Demo T-shirt, M"
    assert [row["pk"] for row in read.json()["results"]] == [2]


def test_a_taken_sku_is_refused(catalog):
    # Given the demo product DEMO-MUG
    # When a product with that sku is created
    response = catalog.post(PRODUCTS, {"sku": "DEMO-MUG", "name": "Another mug"})
    # Then it is refused
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "path": "sku",
        "code": "duplicate",
        "message": "A product with sku DEMO-MUG already exists.",
    }


def test_problems_of_a_product_body_are_answered_at_once(catalog):
    # Given a body without a name, with a blank-edged sku, a non-object attributes and a typo
    body = {"sku": " SPACED ", "attributes": [1], "colour": "red"}
    # When it is posted
    response = catalog.post(PRODUCTS, body)
    # Then every problem is named, and nothing is written
    assert response.status_code == 400
    assert {(e["path"], e["code"]) for e in response.json()["errors"]} == {
        ("sku", "invalid_format"),
        ("attributes", "invalid_type"),
        ("colour", "unknown_field"),
        ("name", "required"),
    }
    assert not Product.objects.filter(name="").exists()


def test_retrieves_lists_and_filters_products(catalog):
    # Given the demo products and one more
    catalog.post(PRODUCTS, TSHIRT)
    # When they are listed, filtered and retrieved
    everything = catalog.get(PRODUCTS, limit="2")
    by_skus = catalog.get(PRODUCTS, sku__in="DEMO-CAP,TSHIRT-RED-M", sort="-id")
    one = catalog.get(PRODUCT.format(2))
    # Then the answers hold the expected rows
    assert everything.json()["count"] == 4 and everything.json()["next"].endswith("limit=2&page=2")
    assert [row["sku"] for row in by_skus.json()["results"]] == ["TSHIRT-RED-M", "DEMO-CAP"]
    assert one.json()["sku"] == "DEMO-MUG"
    assert catalog.get(PRODUCT.format(999)).status_code == 404


def test_patch_and_put_change_only_the_fields_sent(catalog):
    # Given a product
    pk = catalog.post(PRODUCTS, TSHIRT).json()["pk"]
    # When its name is patched and its barcode put, sending back read-only fields as well
    patched = catalog.patch(PRODUCT.format(pk), {"name": "Red T-shirt", "pk": pk, "modified_date": "x"})
    put = catalog.put(PRODUCT.format(pk), {"barcode": None})
    # Then only those changed
    assert patched.status_code == 200, patched.content
    assert put.status_code == 200, put.content
    product = Product.objects.get(pk=pk)
    assert (product.name, product.barcode, product.base_code) == ("Red T-shirt", "", "TSHIRT-RED")


def test_deleting_a_product_others_refer_to_is_a_conflict_naming_them(catalog):
    # Given the demo product 1: priced and stocked in both channels and sold in the demo order
    # When it is deleted
    response = catalog.delete(PRODUCT.format(1))
    # Then it is refused with what refers to it
    assert response.status_code == 409
    assert response.json()["referenced_by"] == {
        "catalog.productprice": 2,
        "catalog.productstock": 2,
        "orders.orderitem": 1,
    }
    assert Product.objects.filter(pk=1).exists()


def test_deleting_a_product_nothing_refers_to(catalog):
    # Given a new product
    pk = catalog.post(PRODUCTS, TSHIRT).json()["pk"]
    # When it is deleted
    response = catalog.delete(PRODUCT.format(pk))
    # Then it is gone
    assert response.status_code == 204
    assert not Product.objects.filter(pk=pk).exists()
