"""Concurrent changes to one order serialise on its row lock: none is lost (PostgreSQL)."""

import threading

import pytest
from django.db import connection, connections

from conftest import ApiClient
from oms.orders.models import Order, OrderHistory
from oms.orders.tests.given import cancel_url, item_url, make_order, make_reason, patch

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises writers (one write transaction at a time) and the test database is in "
        "memory, shared by threads: the row lock is exercised on PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]


def at_once(token: str, requests: list) -> list:
    """Send each request (a function of a client) from its own thread, released together."""
    answers = [None] * len(requests)
    start = threading.Barrier(len(requests))

    def worker(index: int) -> None:
        try:
            client = ApiClient(token)
            start.wait()
            answers[index] = requests[index](client)
        finally:
            connections.close_all()  # this thread's own connections

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_concurrent_item_changes_are_all_in_the_history_and_the_order_follows(demo):
    # Given an approved order with 8 items
    order = make_order("RACE-ITEMS", items=8)
    items = list(order.orderitem_set.order_by("id"))
    # When 8 clients move one item each to preparing at the same moment
    answers = at_once(
        demo.token,
        [lambda client, pk=item.pk: patch(client, item_url(pk), {"status": "preparing"}) for item in items],
    )
    # Then every change succeeded and is in the history, and the order, computed under the lock
    # from what the others committed, followed its items exactly once
    assert [answer.status_code for answer in answers] == [200] * 8
    entries = OrderHistory.objects.filter(order=order)
    assert sorted(entries.filter(kind="status").values_list("item_id", flat=True)) == [i.pk for i in items]
    assert list(entries.filter(kind="order_status").values_list("from_value", "to_value")) == [
        ("approved", "preparing")
    ]
    assert Order.objects.get(pk=order.pk).status == "preparing"


def test_a_cancel_racing_a_status_change_of_the_same_item_is_never_lost(demo):
    # Given an approved item and a reason, repeated to give the race several chances
    reason = make_reason()
    for attempt in range(5):
        order = make_order(f"RACE-CANCEL-{attempt}")
        item = order.orderitem_set.get()
        cancel = {"cancel_items": [item.pk], "reasons": {str(item.pk): reason.pk}}
        # When one client cancels it while another moves it to preparing
        cancelled, moved = at_once(
            demo.token,
            [
                lambda client, body=cancel, pk=order.pk: client.post(cancel_url(pk), body),
                lambda client, pk=item.pk: patch(client, item_url(pk), {"status": "preparing"}),
            ],
        )
        # Then the cancel always wins (preparing can still be cancelled); the move either ran
        # first or was refused because the item was already cancelled, and the history tells which
        item.refresh_from_db()
        kinds = list(OrderHistory.objects.filter(item=item).values_list("kind", "to_value"))
        assert cancelled.status_code == 200 and item.status == "cancelled"
        # (between the item's stock reservation on create and its release by the cancel)
        if moved.status_code == 200:
            assert kinds == [
                ("stock", "reserved"),
                ("status", "preparing"),
                ("cancellation", "cancelled"),
                ("stock", "released"),
            ]
        else:
            assert moved.status_code == 400 and moved.json()["errors"][0]["code"] == "invalid_transition"
            assert kinds == [("stock", "reserved"), ("cancellation", "cancelled"), ("stock", "released")]
