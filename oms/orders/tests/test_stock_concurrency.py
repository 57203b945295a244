"""No oversell, no deadlock: concurrent orders on a rejecting channel reserve exactly the units of
the orders answered 201, whatever order their items come in. PostgreSQL with real threads here;
SQLite through gunicorn on a file (its test database lives in memory, shared by threads)."""

from __future__ import annotations

import json
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection, connections

from conftest import ApiClient, process_level
from oms.orders.models import Order
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
def test_concurrent_orders_reserve_exactly_the_units_of_the_orders_created_postgresql(demo):
    # Given a rejecting channel, 10 units of product 1 and 5 products in each order's own order
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
