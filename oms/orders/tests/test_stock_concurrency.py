"""No oversell, no deadlock: concurrent orders on a rejecting channel reserve exactly the units of
the orders answered 201, whatever order their items come in. PostgreSQL with real threads here;
SQLite through gunicorn on a file (its test database lives in memory, shared by threads)."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from conftest import ApiClient, process_level
from oms.catalog.models import ProductStock
from oms.orders.models import Order
from oms.orders.tests.payloads import minimal_body
from oms.orders.tests.stock_race import CONTESTED_UNITS, race_bodies, reserved, set_up_race, units_of

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))
from liveserver import Server, oms, post_json, prepare, server_env

PATH = "/api/v1/channel/1/create_orders/"
THREADS = 32
ORDERS = 64  # 32 of them want one of the 10 contested units


def _race(post, bodies: list[dict]) -> dict[str, int]:
    """Post `bodies` from THREADS threads released together; status per order number."""
    answers: dict[str, int] = {}
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def worker(share: list[dict]) -> None:
        try:
            start.wait()
            for body in share:
                status = post(body)
                with lock:
                    answers[body["order"]["number"]] = status
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(bodies[n::THREADS],)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def _check(answers: dict[str, int], bodies: list[dict], now_reserved: dict[int, int]) -> None:
    statuses = Counter(answers.values())
    assert len(answers) == ORDERS and set(statuses) <= {201, 409}, statuses
    created = [body for body in bodies if answers[body["order"]["number"]] == 201]
    # every order without the contested product, and exactly 10 of the 32 with it
    assert statuses[201] == ORDERS // 2 + CONTESTED_UNITS, statuses
    assert now_reserved == units_of(created)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises writers and its test database is in memory, shared by threads: the "
    "SQLite race runs through gunicorn on a file below",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_orders_reserve_exactly_the_units_of_the_orders_created_postgresql(
    demo, reserving_through
):
    # Given a rejecting channel, 10 units of product 1 and 5 products in each order's own order
    # (through the function: product 1's row marked contended, the 5 others once a create on
    # them is done, so creates through the statement and the function run side by side)
    set_up_race()
    client = ApiClient(demo.token)
    bodies = race_bodies(ORDERS)
    # When 32 threads post 64 orders at once
    answers = _race(lambda body: client.create_order(body).status_code, bodies)
    # Then no deadlock or error (201 or 409 only), and the reservations are the created orders' units
    _check(answers, bodies, reserved())
    assert Order.objects.filter(number__startswith="RACE-").count() == Counter(answers.values())[201]


def _process_level(test):
    for mark in process_level("its own SQLite file"):
        test = mark(test)
    return test


_SHELL = "import json; from oms.orders.tests import stock_race as race; "


def _shell(env: dict[str, str], code: str):
    """What `code` prints (JSON), run by `oms shell` against the server's database."""
    return json.loads(oms(env, "shell", "-v", "0", "-c", _SHELL + f"print(json.dumps({code}))"))


@_process_level
def test_concurrent_orders_reserve_exactly_the_units_of_the_orders_created_sqlite(tmp_path):
    # Given oms under gunicorn (2 processes x 4 threads) on a SQLite file, with the same race
    env = server_env(tmp_path, WEB_CONCURRENCY="2", GUNICORN_THREADS="4")
    token = prepare(env)
    bodies = _shell(env, f"race.set_up_race() or race.race_bodies({ORDERS})")
    with Server(env, tmp_path / "gunicorn.log") as server:
        # When 32 threads post 64 orders at once
        answers = _race(lambda body: post_json(server.port, PATH, body, token=token)[0], bodies)
    # Then only 201 and 409, and the reservations are the created orders' units
    now = _shell(env, "race.reserved()")
    _check(answers, bodies, {int(product): units for product, units in now.items()})


def _waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
        return cursor.fetchone()[0] > 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a row lock held by another transaction")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("sold_before", "sold_meanwhile", "status", "sold_after"),
    [(0, 1, 409, 1), (1, 0, 201, 2)],
    ids=["units taken meanwhile: refused", "units given back meanwhile: accepted"],
)
def test_an_order_waiting_for_a_row_is_decided_on_its_figures_once_locked_postgresql(
    demo, sold_before, sold_meanwhile, status, sold_after, reserving_through
):
    # Given a rejecting channel, product 1 with 2 units of which `sold_before` are reserved, and
    # another transaction holding product 1's row
    set_up_race()
    row = ProductStock.objects.filter(stock_list_id=1, product_id=1)
    row.update(stock=2, sold_quantity_unreported=sold_before)
    client, answers = ApiClient(demo.token), []
    body = minimal_body("WAITS-1", amount="20.00")
    body["order_item"] = [{"product": 1, "price": "20.00", "quantity": 2}]

    def post() -> None:
        try:
            answers.append(client.create_order(body))
        finally:
            connections.close_all()

    with transaction.atomic():
        row.update(sold_quantity_unreported=sold_before)  # the row is locked until this block ends
        # When an order for its 2 units arrives, and while it waits for the row, the other
        # transaction changes its reservations to `sold_meanwhile` and commits
        thread = threading.Thread(target=post)
        thread.start()
        deadline = time.monotonic() + 30
        while not _waiting_for_a_lock() and time.monotonic() < deadline:
            time.sleep(0.01)
        row.update(sold_quantity_unreported=sold_meanwhile)
    thread.join(timeout=60)
    # Then the order is decided on the figures it found once it held the row
    [answer] = answers
    assert answer.status_code == status, answer.content
    assert row.get().sold_quantity_unreported == sold_after
    assert Order.objects.filter(number="WAITS-1").exists() is (status == 201)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a row lock held by another transaction")
@pytest.mark.django_db(transaction=True)
def test_a_create_that_found_its_rows_changed_has_the_next_ones_reserve_them_through_the_function_postgresql(
    demo,
):
    # Given a reserving channel, and another transaction holding product 1's row
    row = ProductStock.objects.filter(stock_list_id=1, product_id=1)
    reserved_before = row.get().sold_quantity_unreported
    client, answers = ApiClient(demo.token), []

    def order(number: str, product: int) -> dict:
        body = minimal_body(number, amount="10.00")
        body["order_item"] = [{"product": product, "price": "10.00"}]
        return body

    def post() -> None:
        try:
            answers.append(client.create_order(order("SLOW-1", 1)))
        finally:
            connections.close_all()

    with transaction.atomic():
        row.update(stock=100)  # the row is locked until this block ends
        # When an order for product 1 waits for the row, which the other transaction changed
        # and commits: the order's create statement finds it changed since its snapshot
        thread = threading.Thread(target=post)
        thread.start()
        deadline = time.monotonic() + 30
        while not _waiting_for_a_lock() and time.monotonic() < deadline:
            time.sleep(0.01)
    thread.join(timeout=60)
    # and then an order for product 1 and one for product 2 arrive
    with CaptureQueriesContext(connection) as captured:
        after = [client.create_order(order("NEXT-1", 1)), client.create_order(order("NEXT-2", 2))]
    # Then every order is created; the one after the wait reserves product 1 through the
    # function, product 2 (never contended) is reserved by the create statement itself
    assert [answer.status_code for answer in answers + after] == [201, 201, 201]
    creates = [q["sql"] for q in captured if '"orders_order"' in q["sql"] and "INSERT" in q["sql"]]
    assert ["oms_reserve_stock(" in sql for sql in creates] == [True, False]
    assert row.get().sold_quantity_unreported == reserved_before + 2
