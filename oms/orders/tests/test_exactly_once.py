"""Exactly once: concurrent duplicates leave one order, and a replay answers as the first 201 did."""

import json
import threading
from collections import Counter

import pytest
from django.db import connection, connections

from conftest import ApiClient
from oms.idempotency.models import IdempotencyKey
from oms.orders.api import create as create_api
from oms.orders.models import Order, OrderItem
from oms.orders.tests.payloads import minimal_body

URL = "/api/v1/channel/1/create_orders/"
THREADS = 32
POSTS_PER_THREAD = 2
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises writers (one write transaction at a time) and the test database is in "
    "memory, shared by threads: races are tested on PostgreSQL; SQLite's concurrent writers are "
    "tested through gunicorn on a SQLite file in test_exactly_once_sqlite.py",
)


def three_item_body(number: str, **order_fields) -> dict:
    body = minimal_body(number, **{"amount": "60.00", **order_fields})
    body["order_item"] = [
        {"product": 1, "price": "10.00", "quantity": 2, "total_price": "20.00"},
        {"product": 2, "price": "15.00"},
        {"product": 3, "price": "25.00", "extra_field": {"z": 1, "a": [1.5, "x"]}},
    ]
    return body


def post_at_once(token: str, requests: list[tuple[dict, dict]]) -> list:
    """Post `requests` ((body, headers) pairs) from THREADS threads released together."""
    answers, lock = [], threading.Lock()
    start = threading.Barrier(THREADS)

    def worker(share: list[tuple[dict, dict]]) -> None:
        client = ApiClient(token)
        try:
            start.wait()
            for body, headers in share:
                response = client.create_order(body, **headers)
                with lock:
                    answers.append((body["order"]["notes"], response))
        finally:
            connections.close_all()  # this thread's own connections

    threads = [threading.Thread(target=worker, args=(requests[n::THREADS],)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


@on_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("keyed", [False, True], ids=["by-number", "with-idempotency-key"])
def test_64_simultaneous_posts_of_one_new_order_create_it_once(demo, keyed):
    # Given one new order, sent 64 times at once from 32 threads (with one Idempotency-Key or none)
    body = three_item_body("RACE-1", notes="same")
    headers = {"HTTP_IDEMPOTENCY_KEY": "race-1"} if keyed else {}
    # When the posts race each other
    answers = post_at_once(demo.token, [(body, headers)] * (THREADS * POSTS_PER_THREAD))
    # Then exactly one order with its 3 items exists, and every answer is 201, 200 or 409, none 5xx
    order = Order.objects.get(number="RACE-1")
    assert OrderItem.objects.filter(order=order).count() == 3
    assert OrderItem.objects.count() == 3 + 1  # and the demo order's item
    statuses = Counter(response.status_code for _, response in answers)
    assert len(answers) == 64
    assert set(statuses) <= {200, 201, 409}, statuses
    # and exactly one answer created it; the others replay it as it was answered, or are told to wait
    created = [r for _, r in answers if r.status_code == 201 and "Idempotent-Replayed" not in r]
    assert len(created) == 1
    assert created[0].json()["id"] == order.pk
    for _, response in answers:
        if response.status_code == 409:
            assert keyed and response.json()["errors"][0]["code"] == "idempotency_key_in_use"
        elif response is not created[0]:
            assert response["Idempotent-Replayed"] == "true"
            assert response.json() == created[0].json()
    if keyed:
        assert IdempotencyKey.objects.get().status_code == 201


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_bodies_racing_for_one_number_leave_one_order_and_conflict_the_other(demo):
    # Given two different orders under one number, each sent 32 times at once
    first, second = three_item_body("RACE-2", notes="first"), three_item_body("RACE-2", notes="second")
    # When the 64 posts race each other
    answers = post_at_once(demo.token, [(first, {}), (second, {})] * THREADS)
    # Then one order exists, with the content of the body that won and its 3 items
    order = Order.objects.get(number="RACE-2")
    assert order.orderitem_set.count() == 3
    # and the winner's posts are answered 201 then 200, the loser's 409 naming the order
    by_body = {
        notes: Counter(r.status_code for n, r in answers if n == notes) for notes in ("first", "second")
    }
    assert by_body[order.notes] == {201: 1, 200: 31}, by_body
    loser = "second" if order.notes == "first" else "first"
    assert by_body[loser] == {409: 32}, by_body
    conflicts = [r.json() for n, r in answers if n == loser]
    assert {(c["errors"][0]["path"], c["errors"][0]["code"], c["existing_id"]) for c in conflicts} == {
        ("order.number", "duplicate", order.pk)
    }


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_keyed_retry_while_the_first_request_runs_is_409_then_replays_its_answer(demo, monkeypatch):
    # Given a keyed request held inside create_order, after it claimed its key
    body, key = three_item_body("HELD-1", notes="held"), {"HTTP_IDEMPOTENCY_KEY": "held-1"}
    inside, release = threading.Event(), threading.Event()
    real_create_order = create_api.create_order

    def held_create_order(**kwargs):
        inside.set()
        release.wait(timeout=30)
        return real_create_order(**kwargs)

    monkeypatch.setattr(create_api, "create_order", held_create_order)
    first = {}

    def run_first() -> None:
        try:
            first["response"] = ApiClient(demo.token).create_order(body, **key)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run_first)
    thread.start()
    assert inside.wait(timeout=30)
    # When the same request is sent again meanwhile, and once more after the first has answered
    meanwhile = ApiClient(demo.token).create_order(body, **key)
    release.set()
    thread.join()
    after = ApiClient(demo.token).create_order(body, **key)
    # Then the retry meanwhile is told the key is in use, and the later one gets the first answer
    assert meanwhile.status_code == 409
    assert meanwhile.json()["errors"][0]["code"] == "idempotency_key_in_use"
    assert first["response"].status_code == 201
    assert after.status_code == 201 and after["Idempotent-Replayed"] == "true"
    assert after.content == first["response"].content
    assert Order.objects.filter(number="HELD-1").count() == 1


@pytest.mark.django_db
def test_a_replay_by_number_answers_exactly_the_first_201_body(api):
    # Given an order with an offset date, decimals in several spellings, JSON fields, IPv6, 3 items
    body = three_item_body(
        "EXACT-1",
        notes="exact",
        date_placed="2025-03-01T12:34:56.789+03:00",
        shipping_amount=5,
        amount="65",
        discount_amount="0.0",
        shipping_tax_rate="18",
        extra_field={"b": {"y": 2, "x": [1, 2.25, None]}, "a": "ü"},
        remote_addr="2001:DB8::1",
        invoice_date="2025-03-02T00:00:00Z",
        delivery_range={"start": "2025-03-05T09:00:00+03:00", "end": "2025-03-05T18:00:00+03:00"},
    )
    first = api.create_order(body)
    assert first.status_code == 201, first.content
    # When the same order is sent again, keys reordered and numbers written differently
    again = json.loads(json.dumps(body))
    again["order"] = dict(reversed(again["order"].items()))
    again["order"].update(amount=65.0, shipping_amount="5.00", shipping_tax_rate=18)
    second = api.create_order(again)
    # Then the answer is 200 with the replay header and the same body as the first 201
    assert second.status_code == 200
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert Order.objects.filter(number="EXACT-1").count() == 1
