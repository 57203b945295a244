"""Webhook delivery through the real `oms worker` process, against a real receiver, on SQLite and
on PostgreSQL: receiver down then up, the worker SIGKILLed mid-delivery, answers of 500, a
timeout or a redirect, a rolled-back create, SIGTERM, two workers at once.

Each test migrates its own database (a temp SQLite file, or a throwaway PostgreSQL cluster) and
drives oms through `oms shell -c` (creates and changes through the services), so it runs once per
`make test`, in the pass without DATABASE_URL.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from standardwebhooks import Webhook as Verifier

from conftest import _free_port, process_level

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from pgcluster import ClusterError, cluster, find_bindir

pytestmark = process_level("its own databases and worker processes")
OMS = str(Path(sys.executable).with_name("oms"))


# The orders' events: each create also reserves stock (stock.changed), which these tests leave out.
ORDER_EVENTS = ["order.created", "order.updated", "order.cancelled", "order_item.updated"]


def postgres_available() -> bool:
    try:
        find_bindir()
    except ClusterError:
        return False
    return True


DATABASES = [
    "sqlite",
    pytest.param(
        "postgres",
        marks=pytest.mark.skipif(
            not postgres_available(), reason="PostgreSQL 15 server binaries not installed"
        ),
    ),
]


# --- the receiver -----------------------------------------------------------------------------------


@dataclass
class Received:
    webhook_id: str
    body: dict
    verified: bool


@dataclass
class Receiver:
    """An HTTP endpoint recording what it is sent; `answer(n)` says how to answer the n-th request
    (status, seconds to wait first)."""

    port: int
    answer: Callable[[int], tuple[int, float]] = lambda n: (200, 0.0)
    secret: str = ""
    received: list[Received] = field(default_factory=list)
    started: list[str] = field(default_factory=list)  # webhook-ids of requests read, answered or not
    paths: list[str] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.started.append(self.headers["webhook-id"])
                receiver.paths.append(self.path)
                status, wait = receiver.answer(len(receiver.started))
                time.sleep(wait)
                try:
                    Verifier(receiver.secret).verify(body, dict(self.headers))
                    verified = True
                except Exception:
                    verified = False
                if 200 <= status < 300:
                    receiver.received.append(Received(self.headers["webhook-id"], json.loads(body), verified))
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", f"http://127.0.0.1:{receiver.port}/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


# --- oms in processes -------------------------------------------------------------------------------


@dataclass
class Oms:
    env: dict[str, str]
    workers: list[subprocess.Popen] = field(default_factory=list)

    def shell(self, code: str) -> object:
        """Run `code` in `oms shell`; it prints one JSON value, returned."""
        done = subprocess.run(
            [OMS, "shell", "-c", code], env=self.env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])

    def start_worker(self) -> subprocess.Popen:
        worker = subprocess.Popen(
            [OMS, "worker"], env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.workers.append(worker)
        return worker

    def subscribe(self, url: str, events: list[str] | None = None) -> tuple[int, str]:
        return tuple(
            self.shell(
                "import json; from oms.channels.models import Channel; from oms.events.webhooks import create_webhook;"
                f"w, s = create_webhook(channel=Channel.objects.get(pk=1), payload={{'url': {url!r}, 'events': {events or []!r}}});"
                "print(json.dumps([w.pk, s]))"
            )
        )

    def create_orders(self, numbers: list[str], *, change_first: bool = False) -> list[int]:
        """Orders created through the service; with `change_first`, the first then has an item
        update and a cancellation (three events of one order)."""
        code = (
            "import json; from oms.channels.models import Channel; from oms.orders.services import create_order;"
            "from oms.orders.tests.payloads import minimal_body; from oms.orders.models import CancellationReason;"
            "from oms.orders.services.manage import Actor, cancel_order, update_order_item;"
            "ch = Channel.objects.get(pk=1); actor = Actor(api_key_id=None, user_id=None, name='test');"
            f"ids = [create_order(channel=ch, payload=minimal_body(n)).order.pk for n in {numbers!r}];"
        )
        if change_first:
            code += (
                "item = ch.orders.get(pk=ids[0]).orderitem_set.get();"
                "update_order_item(channel=ch, item_id=item.pk, payload={'invoice_number': 'INV-1'}, actor=actor);"
                "r = CancellationReason.objects.create(code='c', reason='c', cancellation_type='cancel');"
                "cancel_order(channel=ch, order_id=ids[0], payload={'is_all': True, 'reason': r.pk}, actor=actor);"
            )
        return self.shell(code + "print(json.dumps(ids))")

    def deliveries(self) -> list[dict]:
        return self.shell(
            "import json; from oms.events.models import Delivery;"
            "print(json.dumps(list(Delivery.objects.order_by('id').values("
            "'event_id', 'status', 'attempts', 'last_status_code', 'last_error'))))"
        )

    def stop_workers(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                worker.kill()
            worker.wait(timeout=30)


@contextmanager
def oms_on(database: str, tmp_path: Path, **settings: str) -> Iterator[Oms]:
    """A migrated database with the demo data, and the environment of processes using it."""
    with _database(database, tmp_path) as url:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "OMS_VAR_DIR": str(tmp_path / "var"),
            "OMS_WEBHOOK_ALLOW_PRIVATE": "1",
            "OMS_WEBHOOK_TIMEOUT_SECONDS": "2",
            "OMS_WEBHOOK_BACKOFF_BASE_SECONDS": "0.2",
            "OMS_WEBHOOK_BACKOFF_MAX_SECONDS": "0.5",
            "OMS_WORKER_BATCH": "1",
            "OMS_WORKER_POLL_SECONDS": "0.05",
            **settings,
        }
        oms = Oms(env)
        for step in (["migrate", "--noinput", "-v", "0"], ["demo", "--host", "127.0.0.1:1"]):
            done = subprocess.run([OMS, *step], env=env, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stderr
        try:
            yield oms
        finally:
            oms.stop_workers()


@contextmanager
def _database(database: str, tmp_path: Path) -> Iterator[str]:
    if database == "sqlite":
        yield f"sqlite:///{tmp_path / 'oms.sqlite3'}"
    else:
        with cluster() as url:
            yield url


def wait_until(condition: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def first_receipts(receiver: Receiver) -> list[Received]:
    seen, first = set(), []
    for received in receiver.received:
        if received.webhook_id not in seen:
            seen.add(received.webhook_id)
            first.append(received)
    return first


# --- the scenarios ----------------------------------------------------------------------------------


@pytest.mark.parametrize("database", DATABASES)
def test_receiver_down_then_up_gets_everything_in_order_from_two_workers(database, tmp_path):
    # Given a subscription to a receiver that is down, and two workers
    with oms_on(database, tmp_path) as oms:
        port = _free_port()
        receiver = Receiver(port)
        _, receiver.secret = oms.subscribe(f"http://127.0.0.1:{port}/hooks", ORDER_EVENTS)
        oms.start_worker()
        oms.start_worker()
        # When orders are created and one of them changed twice while it is down, then it comes up
        ids = oms.create_orders(["W-1", "W-2", "W-3"], change_first=True)
        wait_until(lambda: any(d["attempts"] >= 2 for d in oms.deliveries()))
        receiver.start()
        try:
            wait_until(lambda: len({r.webhook_id for r in receiver.received}) == 5)
        finally:
            receiver.stop()
        # Then every event arrived, signed, once, and the first order's three in the order they happened
        first = first_receipts(receiver)
        assert all(r.verified for r in receiver.received)
        assert len(receiver.received) == 5
        of_first = [r.body["type"] for r in first if r.body["data"]["pk"] == ids[0]]
        assert of_first == ["order.created", "order_item.updated", "order.cancelled"]
        assert {r.body["data"]["number"] for r in first} == {"W-1", "W-2", "W-3"}
        assert all(d["status"] == "delivered" for d in oms.deliveries())


@pytest.mark.parametrize("database", DATABASES)
def test_a_worker_killed_mid_delivery_is_replaced_and_nothing_is_lost(database, tmp_path):
    # Given a receiver that holds the first request for a while, and a worker
    with oms_on(database, tmp_path) as oms:
        port = _free_port()
        receiver = Receiver(port, answer=lambda n: (200, 3.0 if n == 1 else 0.0))
        _, receiver.secret = oms.subscribe(f"http://127.0.0.1:{port}/hooks", ORDER_EVENTS)
        receiver.start()
        try:
            worker = oms.start_worker()
            oms.create_orders(["K-1", "K-2"])
            # When the worker is killed with SIGKILL while the receiver holds that request, and
            # a new worker starts
            wait_until(lambda: len(receiver.started) >= 1)
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
            oms.start_worker()
            wait_until(lambda: len({r.webhook_id for r in receiver.received}) == 2)
            wait_until(lambda: all(d["status"] == "delivered" for d in oms.deliveries()))
        finally:
            receiver.stop()
        # Then both events arrived; the one under way when the worker died was sent again with its
        # webhook-id and the same body
        by_id: dict[str, list[dict]] = {}
        for r in receiver.received:
            by_id.setdefault(r.webhook_id, []).append(r.body)
        assert len(by_id) == 2 and all(r.verified for r in receiver.received)
        assert receiver.started.count(receiver.started[0]) == 2
        assert all(bodies.count(bodies[0]) == len(bodies) for bodies in by_id.values())


@pytest.mark.parametrize("database", DATABASES)
def test_500_and_a_timeout_are_retried_a_redirect_is_not_followed(database, tmp_path):
    # Given a receiver answering 500, then taking longer than the timeout, then 200; and another
    # that redirects
    with oms_on(database, tmp_path) as oms:
        port, moved_port = _free_port(), _free_port()
        receiver = Receiver(port, answer=lambda n: {1: (500, 0.0), 2: (200, 3.0)}.get(n, (200, 0.0)))
        moved = Receiver(moved_port, answer=lambda n: (302, 0.0))
        _, receiver.secret = oms.subscribe(f"http://127.0.0.1:{port}/hooks", ORDER_EVENTS)
        _, moved.secret = oms.subscribe(f"http://127.0.0.1:{moved_port}/hooks", ORDER_EVENTS)
        receiver.start()
        moved.start()
        try:
            oms.start_worker()
            # When one order is created
            oms.create_orders(["R-1"])
            snapshot: list[list[dict]] = []

            def settled() -> bool:
                snapshot[:] = [oms.deliveries()]
                first, other = snapshot[0]
                return first["status"] == "delivered" and other["last_status_code"] == 302

            wait_until(settled)
        finally:
            receiver.stop()
            moved.stop()
        # Then the first receiver got it on the third try, signed; the redirect was never followed
        # and the delivery is still pending with the redirect recorded
        assert receiver.received[-1].verified and len(receiver.started) >= 3
        assert len(set(receiver.started)) == 1
        to_first, to_moved = snapshot[0]
        assert to_first["status"] == "delivered" and to_first["attempts"] >= 3
        assert to_moved["status"] == "pending" and to_moved["last_status_code"] == 302
        assert to_moved["last_error"] == "redirect not followed"
        assert moved.received == [] and set(moved.paths) == {"/hooks"}


@pytest.mark.parametrize("database", DATABASES)
def test_a_rolled_back_create_publishes_nothing_and_sigterm_stops_the_worker(database, tmp_path):
    # Given a receiver and a worker
    with oms_on(database, tmp_path) as oms:
        port = _free_port()
        receiver = Receiver(port)
        _, receiver.secret = oms.subscribe(f"http://127.0.0.1:{port}/hooks", ["order.created"])
        receiver.start()
        try:
            worker = oms.start_worker()
            # When a create is rolled back, then another is committed
            oms.shell(
                "from django.db import transaction; from oms.channels.models import Channel;"
                "from oms.orders.services import create_order; from oms.orders.tests.payloads import minimal_body\n"
                "try:\n"
                "    with transaction.atomic():\n"
                "        create_order(channel=Channel.objects.get(pk=1), payload=minimal_body('RB-1')); raise ValueError\n"
                "except ValueError:\n"
                "    print(1)"
            )
            oms.create_orders(["RB-2"])
            wait_until(lambda: len(receiver.received) == 1)
            # And the worker gets SIGTERM
            worker.send_signal(signal.SIGTERM)
            code = worker.wait(timeout=20)
        finally:
            receiver.stop()
        # Then only the committed order was published, and the worker stopped cleanly
        assert [r.body["data"]["number"] for r in receiver.received] == ["RB-2"]
        assert code == 0 and "Worker stopped" in worker.stdout.read()
