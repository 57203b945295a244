"""The create path resolves references in batches: its query count does not grow with items."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from oms.orders.tests.payloads import minimal_body

pytestmark = pytest.mark.django_db


def body_with_items(number: str, count: int) -> dict:
    body = minimal_body(number, amount=str(count))
    body["order_item"] = [
        {
            "product": 1 + i % 3,
            "price": "1.00",
            "price_list": 1,
            "stock_list": 1,
            "datasource": 1,
            "parent": 1,
        }
        for i in range(count)
    ]
    return body


def queries_for(api, body) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = api.create_order(body)
    assert response.status_code == 201, response.content
    return len(captured)


def test_one_item_and_fifty_items_issue_the_same_number_of_queries(api):
    # Given two orders referencing the same kinds of rows, with 1 and 50 items
    api.create_order(body_with_items("WARM-UP", 1))  # the key and channel lookups are now cached
    # When both are created
    one = queries_for(api, body_with_items("Q-1", 1))
    fifty = queries_for(api, body_with_items("Q-50", 50))
    # Then the query counts are equal
    assert one == fifty


def test_rejected_order_with_fifty_unknown_products_costs_the_same_as_one(api):
    # Given orders whose every item points at an unknown product
    def bad(count):
        body = body_with_items(f"BAD-{count}", count)
        for item in body["order_item"]:
            item["product"] = 9999
        return body

    api.create_order(bad(1))
    # When they are posted
    with CaptureQueriesContext(connection) as one:
        first = api.create_order(bad(1))
    with CaptureQueriesContext(connection) as fifty:
        second = api.create_order(bad(50))
    # Then both are refused with every item named, at the same query cost
    assert first.status_code == second.status_code == 400
    assert len(second.json()["errors"]) == 50
    assert len(one) == len(fifty)


def test_bulk_of_one_and_of_fifty_orders_issue_the_same_number_of_queries(api):
    # Given batches of 1 and of 50 orders with 3 items each
    def batch(prefix, count):
        return {
            "orders": [body_with_items(f"{prefix}-{i}", 3) for i in range(count)],
            "error_policy": "reject_failed",
        }

    api.post("/api/v1/channel/1/create_orders/bulk/", batch("WB", 1))
    # When both are posted
    with CaptureQueriesContext(connection) as one:
        first = api.post("/api/v1/channel/1/create_orders/bulk/", batch("B1", 1))
    with CaptureQueriesContext(connection) as fifty:
        second = api.post("/api/v1/channel/1/create_orders/bulk/", batch("B50", 50))
    # Then every order is created and the query counts are equal
    assert first.json()["summary"]["created"] == 1 and second.json()["summary"]["created"] == 50
    assert len(one) == len(fifty)
