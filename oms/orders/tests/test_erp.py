"""The ERP's routes through HTTP: the erp grant, every channel's orders, is_send, and item
mappings that release an item's reservation exactly once. Under /api/v1/ and /api/i1/ alike."""

from __future__ import annotations

import pytest

from conftest import ApiClient
from oms.access.services import create_api_key
from oms.catalog.models import ProductStock
from oms.channels.models import Channel
from oms.orders.models import IntegrationMapping, OrderHistory
from oms.orders.tests.given import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def erp(demo) -> ApiClient:
    return ApiClient(create_api_key(name="erp", erp=True)[1])


def sold(product: int = 1) -> int:
    return ProductStock.objects.get(stock_list_id=1, product_id=product).sold_quantity_unreported


@pytest.mark.parametrize("prefix", ["/api/v1/", "/api/i1/"])
def test_the_erp_reads_every_channels_orders_waiting_for_it(erp, prefix):
    # Given orders in channels 1 and 2, one of them already picked up
    first, second, picked = make_order("E-1"), make_order("E-2", channel_id=2), make_order("E-3")
    assert erp.patch(f"{prefix}orders/{picked.pk}/", {"is_send": True}).status_code == 200
    # When the ERP lists what it has not picked up, approved
    page = erp.get(f"{prefix}orders/", is_send="False", status="400", sort="id")
    # Then both channels' orders come, without the picked one, each with its channel
    assert page.status_code == 200, page.content
    rows = [(row["number"], row["channel"], row["is_send"]) for row in page.json()["results"]]
    assert [row for row in rows if row[0].startswith("E-")] == [("E-1", 1, False), ("E-2", 2, False)]
    assert erp.get(f"{prefix}orders/{second.pk}/").json()["orderitem_set"][0]["order"] == second.pk
    assert first.pk


@pytest.mark.parametrize("prefix", ["/api/v1/", "/api/i1/"])
def test_a_channel_key_gets_403_on_the_erp_routes(api, prefix):
    # Given an order and the channel's own key
    order = make_order("E-4")
    item = order.orderitem_set.get()
    # When the channel key uses each ERP route
    answers = [
        api.get(f"{prefix}orders/"),
        api.get(f"{prefix}orders/{order.pk}/"),
        api.patch(f"{prefix}orders/{order.pk}/", {"is_send": True}),
        api.post(f"{prefix}order_items/{item.pk}/create_mapping/", {"code": "L-1"}),
    ]
    # Then every answer is 403 permission_denied and nothing changes
    assert [(a.status_code, a.json()["errors"][0]["code"]) for a in answers] == [
        (403, "permission_denied")
    ] * 4
    order.refresh_from_db()
    assert order.is_send is False and not IntegrationMapping.objects.exists()


def test_an_erp_key_creates_orders_only_in_channels_it_is_granted(erp, seed_body):
    # Given the ERP key (no channel) and an ERP key also granted channel 1
    granted = ApiClient(create_api_key(name="erp+1", erp=True, channels=Channel.objects.filter(pk=1))[1])
    # When both create an order in channel 1
    refused = erp.create_order(seed_body)
    created = granted.create_order(seed_body)
    # Then only the granted one may (the other is told the channel does not exist for it)
    assert refused.status_code == 404
    assert created.status_code == 201, created.content


def test_is_send_takes_only_is_send_true(erp):
    # Given an order
    order = make_order("E-5")
    url = f"/api/v1/orders/{order.pk}/"
    # When the ERP sends other fields, false, nothing, then true twice
    other = erp.patch(url, {"is_send": True, "status": "shipped"})
    false = erp.patch(url, {"is_send": False})
    one = erp.patch(url, {"is_send": 1})
    empty = erp.patch(url, {})
    sent = erp.patch(url, {"is_send": True})
    again = erp.patch(url, {"is_send": True})
    # Then each refusal names its field, and true is stored once (history too)
    assert (other.status_code, other.json()["errors"][0]["path"]) == (400, "status")
    assert (false.status_code, false.json()["errors"][0]["path"]) == (400, "is_send")
    assert (one.status_code, one.json()["errors"][0]["path"]) == (400, "is_send")
    assert (empty.status_code, empty.json()["errors"][0]["path"]) == (400, "is_send")
    assert (sent.status_code, sent.json()["is_send"], again.status_code) == (200, True, 200)
    assert OrderHistory.objects.filter(order=order, kind="update").count() == 1
    assert erp.patch("/api/v1/orders/99999999/", {"is_send": True}).status_code == 404
    # and the answer is the order as the ERP's list shows it
    listed = erp.get("/api/v1/orders/", is_send="True").json()["results"]
    assert again.json() == next(row for row in listed if row["pk"] == order.pk)


@pytest.mark.parametrize("prefix", ["/api/v1/", "/api/i1/"])
def test_create_mapping_with_update_stock_releases_the_item_once(erp, prefix):
    # Given an order whose item reserved one unit of product 1
    before = sold(1)
    order = make_order("E-6")
    item = order.orderitem_set.get()
    url = f"{prefix}order_items/{item.pk}/create_mapping/"
    assert sold(1) == before + 1
    # When the ERP maps it with update_stock, twice (a retry), then to another code
    first = erp.post(url, {"code": "LINE-9", "update_stock": True})
    again = erp.post(url, {"code": "LINE-9", "update_stock": True})
    other = erp.post(url, {"code": "LINE-10"})
    # Then the mapping is answered both times, the unit released once, another code refused
    assert first.status_code == 200, first.content
    mapping = first.json()
    assert mapping | {"pk": 0, "id": 0, "content_type": 0} == {
        "pk": 0,
        "id": 0,
        "content_type": 0,
        "object_id": item.pk,
        "integration_type": "external_company",
        "code": "LINE-9",
    }
    assert again.json() == mapping
    assert sold(1) == before
    assert (other.status_code, other.json()["errors"][0]["path"]) == (409, "code")
    assert OrderHistory.objects.filter(item=item, kind="stock", to_value="released").count() == 1


def test_create_mapping_without_update_stock_keeps_the_reservation_and_bad_bodies_are_refused(erp):
    # Given an order reserving one unit
    order = make_order("E-7")
    item = order.orderitem_set.get()
    url = f"/api/v1/order_items/{item.pk}/create_mapping/"
    before = sold(1)
    # When it is mapped without update_stock, and bodies without a code or with unknown fields come
    mapped = erp.post(url, {"code": "LINE-1"})
    no_code = erp.post(url, {"update_stock": True})
    unknown = erp.post(url, {"code": "LINE-1", "colour": "red"})
    missing = erp.post("/api/v1/order_items/99999999/create_mapping/", {"code": "X"})
    # Then the reservation stays, and each refusal names its field
    assert mapped.status_code == 200 and sold(1) == before
    assert (no_code.status_code, no_code.json()["errors"][0]["path"]) == (400, "code")
    assert (unknown.status_code, unknown.json()["errors"][0]["path"]) == (400, "colour")
    assert missing.status_code == 404
    # (the ERP sees every channel: its 404 names no channel)
    assert missing.json()["errors"][0]["message"] == "Order item 99999999 does not exist."
