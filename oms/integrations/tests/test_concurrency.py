"""Concurrent writers of one integration object on PostgreSQL: the database decides, none fails."""

import threading

import pytest
from django.db import connection, connections

from conftest import ApiClient
from oms.integrations.models import BatchRequest, CancellationRequest, IntegrationAction
from oms.integrations.tests.given import make_order, patch
from oms.orders.models import CancellationReason

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises writers (one write transaction at a time) and the test database is in "
        "memory, shared by threads: concurrent writers are exercised on PostgreSQL",
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
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_runs_recording_the_same_objects_at_once_leave_one_link_each(demo):
    # Given an order with 5 items and 6 open runs
    order = make_order("RACE-1", lines=tuple(f"L-{n}" for n in range(5)))
    objects = [{"pk": order.pk, "content_type": "order", "remote_id": "RACE-1"}] + [
        {"pk": item.pk, "content_type": "orderitem", "remote_id": item.extra_field["id"]}
        for item in order.orderitem_set.all()
    ]
    batches = [BatchRequest.objects.create(channel_id=1).pk for _ in range(6)]
    # When all six commit the same objects at the same moment
    answers = at_once(
        demo.token,
        [
            lambda client, pk=pk: patch(
                client, f"/api/v1/channel/1/batch_requests/{pk}/", {"status": "commit", "objects": objects}
            )
            for pk in batches
        ],
    )
    # Then every commit succeeded and each object has exactly one link, to one of the runs
    assert [answer.status_code for answer in answers] == [200] * 6
    actions = IntegrationAction.objects.all()
    assert actions.count() == 6
    assert {action.batch_request_id for action in actions} <= set(batches)


def test_one_cancellation_request_sent_several_times_at_once_is_recorded_once(demo):
    # Given an item and its request, about to be sent by four workers of the channel
    item = make_order("RACE-2").orderitem_set.get()
    reason = CancellationReason.objects.create(reason="Changed mind", code="changed-mind")
    body = {"order_item": item.pk, "reason": reason.pk, "remote_id": "CR-RACE", "cancellation_type": "cancel"}
    # When all four post it at the same moment
    answers = at_once(
        demo.token,
        [lambda client: client.post("/api/v1/channel/1/cancellation_requests/", body) for _ in range(4)],
    )
    # Then one created it and the others were answered the same request
    assert sorted(answer.status_code for answer in answers) == [200, 200, 200, 201]
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert CancellationRequest.objects.count() == 1
