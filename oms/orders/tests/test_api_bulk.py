"""POST create_orders/bulk/ through HTTP: both error policies, in-batch duplicates, replays, limits."""

import json

import pytest

from oms.orders.models import Order, OrderItem
from oms.orders.tests.payloads import minimal_body

pytestmark = pytest.mark.django_db
URL = "/api/v1/channel/1/create_orders/bulk/"


def bulk(api, orders, policy="reject_failed"):
    return api.post(URL, {"orders": orders, "error_policy": policy})


def bad(number):
    body = minimal_body(number)
    body["order_item"][0]["product"] = 987
    return body


def rows():
    return Order.objects.count(), OrderItem.objects.count()


def test_reject_failed_writes_the_good_and_reports_the_bad(api):
    # Given two good orders around a bad one
    orders = [minimal_body("B-1"), bad("B-2"), minimal_body("B-3")]
    before = rows()
    # When they are posted with reject_failed
    response = bulk(api, orders)
    # Then the good ones are created and the bad one is reported with its path
    assert response.status_code == 200, response.content
    body = response.json()
    assert [r["status"] for r in body["results"]] == ["created", "rejected", "created"]
    assert body["results"][1]["errors"][0]["path"] == "order_item.0.product"
    assert body["results"][0]["order"]["number"] == "B-1" and body["results"][1]["order"] is None
    assert body["summary"] == {"created": 2, "replayed": 0, "conflict": 0, "rejected": 1}
    assert rows() == (before[0] + 2, before[1] + 2)


def test_reject_everything_writes_nothing_when_one_order_fails(api):
    # Given a good order and a bad one
    before = rows()
    # When they are posted with reject_everything
    response = bulk(api, [minimal_body("E-1"), bad("E-2")], policy="reject_everything")
    # Then 400 naming the bad order's field, and nothing is written
    assert response.status_code == 400
    body = response.json()
    assert [(e["path"], e["code"]) for e in body["errors"]] == [
        ("orders.1.order_item.0.product", "not_found")
    ]
    assert [r["status"] for r in body["results"]] == ["rejected", "rejected"]
    assert rows() == before


def test_duplicates_inside_one_request_replay_or_conflict_deterministically(api):
    # Given the same number three times: identical, identical, then different content
    orders = [minimal_body("D-1"), minimal_body("D-1"), minimal_body("D-1", notes="other")]
    # When they are posted
    response = bulk(api, orders)
    # Then the first is created, the second replays it, the third conflicts; one order is stored
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["created", "replayed", "conflict"]
    assert results[1]["order"]["pk"] == results[0]["order"]["pk"]
    assert results[2]["errors"][0]["code"] == "duplicate"
    assert Order.objects.filter(number="D-1").count() == 1


def test_a_second_run_replays_stored_orders(api):
    # Given a batch already created
    first = bulk(api, [minimal_body("R-1"), minimal_body("R-2")]).json()
    before = rows()
    # When the same batch is posted again, with one order changed
    again = bulk(api, [minimal_body("R-1"), minimal_body("R-2", notes="changed")]).json()
    # Then the unchanged one replays the stored order, the changed one conflicts, nothing is written
    assert [r["status"] for r in again["results"]] == ["replayed", "conflict"]
    assert again["results"][0]["order"] == first["results"][0]["order"]
    assert rows() == before


def test_the_single_and_bulk_paths_replay_each_other(api):
    # Given an order created through the single endpoint
    single = api.create_order(minimal_body("X-1")).json()
    # When the same order comes through bulk
    result = bulk(api, [minimal_body("X-1")]).json()["results"][0]
    # Then it is a replay of the same order
    assert result["status"] == "replayed" and result["order"] == single


def test_too_many_orders_is_400(api, settings):
    # Given a limit of 3 orders per call
    settings.OMS_MAX_ORDERS_PER_BULK = 3
    # When 4 are posted
    response = bulk(api, [minimal_body(f"L-{i}") for i in range(4)])
    # Then 400 too_many on orders
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        **response.json()["errors"][0],
        "path": "orders",
        "code": "too_many",
    }


def test_bad_error_policy_and_shape_are_400(api):
    # Given a bad policy and a body without orders
    # When they are posted
    policy = api.post(URL, {"orders": [], "error_policy": "sometimes"})
    shape = api.post(URL, {"order": {}})
    # Then both are 400 naming the field
    assert policy.status_code == 400 and policy.json()["errors"][0]["path"] == "error_policy"
    assert shape.status_code == 400 and shape.json()["errors"][0]["path"] == "orders"


def test_bulk_body_may_exceed_the_single_order_limit(api, settings):
    # Given a single-endpoint body limit smaller than this bulk body
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    orders = [minimal_body(f"BIG-{i}") for i in range(10)]
    assert len(json.dumps({"orders": orders})) > 1000
    # When it is posted to bulk
    response = bulk(api, orders)
    # Then it is accepted
    assert response.status_code == 200
    assert response.json()["summary"]["created"] == 10


def test_bulk_body_over_its_own_limit_is_413(api, settings):
    # Given a bulk body limit of 100 bytes
    settings.OMS_MAX_BULK_BODY_BYTES = 100
    # When a larger body is posted
    response = bulk(api, [minimal_body("T-1")])
    # Then 413 with the error body
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "too_large"


def test_idempotency_key_replays_a_bulk_answer_larger_than_the_single_body_limit(api, settings):
    # Given a bulk body above the single-endpoint limit, sent with an Idempotency-Key
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = {"orders": [minimal_body(f"IK-{i}") for i in range(5)], "error_policy": "reject_failed"}
    first = api.post(URL, body, HTTP_IDEMPOTENCY_KEY="bulk-1")
    # When it is retried with the same key, then with the same key and another body
    again = api.post(URL, body, HTTP_IDEMPOTENCY_KEY="bulk-1")
    body["orders"].pop()
    reused = api.post(URL, body, HTTP_IDEMPOTENCY_KEY="bulk-1")
    # Then the first answer is replayed byte for byte, and the reuse is refused
    assert first.status_code == 200 and first.json()["summary"]["created"] == 5
    assert again.content == first.content and again["Idempotent-Replayed"] == "true"
    assert reused.status_code == 422
    assert Order.objects.filter(number__startswith="IK-").count() == 5
