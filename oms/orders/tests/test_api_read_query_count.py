"""Read endpoints cost a constant number of queries, whatever the page or order size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from oms.orders.tests.given import make_order, order_url, patch

pytestmark = pytest.mark.django_db


def queries(api, path: str, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path, **params)
    assert response.status_code == 200, response.content
    return len(captured)


@pytest.fixture
def fifty_orders(api):
    """50 orders with two items each, a cargo company, a payment option and a funds transfer."""
    orders = [
        make_order(f"QC-{n}", items=2, payment_option=1, cargo_company=1, fundstransfertransaction_set=[1])
        for n in range(50)
    ]
    api.get("/api/v1/channel/1/orders/", limit=1)  # the key and channel lookups are now cached
    return orders


def test_order_pages_of_1_and_50_rows_cost_the_same(api, fifty_orders):
    # Given 50 orders whose rows need their cargo company, payment option, items and transfers
    # When a page of 1 and a page of 50 are read, by page number and by cursor
    one = queries(api, "/api/v1/channel/1/orders/", limit=1)
    fifty = queries(api, "/api/v1/channel/1/orders/", limit=50)
    one_by_cursor = queries(api, "/api/v1/channel/1/orders/", limit=1, cursor="")
    fifty_by_cursor = queries(api, "/api/v1/channel/1/orders/", limit=50, cursor="")
    # Then the counts are equal (page query, count, items, transfers; no count by cursor)
    assert one == fifty
    assert one_by_cursor == fifty_by_cursor == one - 1


def test_item_pages_and_order_detail_cost_the_same_whatever_their_size(api, fifty_orders):
    # Given orders with 2 and with 20 items
    small = fifty_orders[0]
    big = make_order("QC-BIG", items=20, fundstransfertransaction_set=[1])
    # When their details and item pages are read
    small_detail = queries(api, order_url(small.pk))
    big_detail = queries(api, order_url(big.pk))
    one_item = queries(api, "/api/v1/channel/1/order_items/", limit=1)
    fifty_items = queries(api, "/api/v1/channel/1/order_items/", limit=50)
    # Then sizes do not change the counts
    assert small_detail == big_detail
    assert one_item == fifty_items


def test_history_pages_cost_the_same_whatever_their_size(api, fifty_orders):
    # Given an order with a long history
    order = make_order("QC-H", items=3)
    for item in order.orderitem_set.all():
        for status in ["preparing", "shipped", "delivered"]:
            patch(api, f"/api/v1/channel/1/order_items/{item.pk}/", {"status": status})
    # When a page of 1 and a page of 8 entries are read (neither the last page, which is
    # counted from its rows instead of a COUNT query)
    one = queries(api, order_url(order.pk) + "history/", limit=1)
    many = queries(api, order_url(order.pk) + "history/", limit=8)
    # Then the counts are equal
    assert one == many
