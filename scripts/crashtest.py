"""Crash test: kill -9 oms under load, restart it, and check that no acknowledged order was lost.

    python scripts/crashtest.py [--clients 6] [--before-kill 40] [--after-restart 30]

Starts a throwaway PostgreSQL 15 with durable settings (fsync and synchronous_commit on),
migrates it and loads the demo data, serves oms with `oms serve` (granian, 2 workers x 4 threads), and runs
client threads that post unique orders of 3 items each, half of them with an Idempotency-Key.
Once `--before-kill` orders are acknowledged, the server's main process and all its workers are
killed with SIGKILL mid-request; the server is restarted on the same port and the clients go
on. Each request that got no answer (in doubt) is then retried as an integrator would, with the
same body (and key). Finally the database is read directly:

* every order acknowledged with 201 (or 200) exists, under the id the answer gave, with its 3 items;
* no order exists without its items, and nothing exists that was not sent;
* every in-doubt order, once retried, exists exactly once;
* the units reserved on the stock rows since the start are exactly those of the acknowledged
  orders' items: no reservation lost, none without its order;
* no answer was a 5xx.

Exit status 0 when every check holds. `tests/test_crash.py` runs it under pytest.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from liveserver import (
    CONNECTION_ERRORS,
    Server,
    order_body,
    post_json,
    prepare,
    server_env,
)
from pgcluster import cluster

PATH = "/api/v1/channel/1/create_orders/"
ITEMS = 3
# Short, so that a retry may take over a key whose request died with the server.
LOCK_TIMEOUT_SECONDS = 2
RETRY_DEADLINE_SECONDS = 30


@dataclass
class Report:
    acknowledged: dict[str, int] = field(default_factory=dict)  # number -> id answered (201/200)
    in_doubt: list[str] = field(default_factory=list)  # sent, no answer (the server died or was down)
    statuses: Counter = field(default_factory=Counter)
    retry_statuses: Counter = field(default_factory=Counter)  # of the in-doubt requests, on retry
    acknowledged_before_kill: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{len(self.acknowledged)} orders acknowledged ({self.acknowledged_before_kill} before the kill), "
            f"{len(self.in_doubt)} requests in doubt, retried with answers {dict(sorted(self.retry_statuses.items()))}, "
            f"all answers {dict(sorted(self.statuses.items()))}, "
            f"{len(self.problems)} problems, {self.seconds:.1f} s"
        )


class Load:
    """Client threads posting unique orders; each keeps its outcomes, the report merges them."""

    def __init__(self, port: int, token: str, clients: int):
        self.port, self.token = port, token
        self.server_up = threading.Event()
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.report = Report()
        self.bodies: dict[str, dict] = {}
        self.threads = [threading.Thread(target=self._client, args=(n,), daemon=True) for n in range(clients)]

    def start(self) -> None:
        self.server_up.set()
        for thread in self.threads:
            thread.start()

    def join(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=120)

    def acknowledged(self) -> int:
        with self.lock:
            return len(self.report.acknowledged)

    def _client(self, client: int) -> None:
        sequence = 0
        while not self.stop.is_set():
            self.server_up.wait()
            sequence += 1
            number = f"CRASH-{client}-{sequence}"
            body = order_body(number, ITEMS)
            with self.lock:
                self.bodies[number] = body
            try:
                status, content, _ = post_json(
                    self.port, PATH, body, token=self.token, headers=headers_for(number)
                )
            except CONNECTION_ERRORS:
                with self.lock:
                    self.report.in_doubt.append(number)
                time.sleep(0.02)
                continue
            self.record(number, status, content)

    def record(self, number: str, status: int, content: bytes) -> None:
        with self.lock:
            self.report.statuses[status] += 1
            if status in (200, 201):
                self.report.acknowledged[number] = json.loads(content)["id"]
            else:
                self.report.problems.append(f"{number}: unexpected {status} {content[:300]!r}")


def headers_for(number: str) -> dict[str, str]:
    # Every other client sends an Idempotency-Key; the others rely on the order number alone.
    client = int(number.split("-")[1])
    return {"Idempotency-Key": f"key-{number}"} if client % 2 else {}


def retry_in_doubt(load: Load) -> None:
    """Send every unanswered request again, as an integrator retries: same body, same key."""
    for number in list(load.report.in_doubt):
        deadline = time.monotonic() + RETRY_DEADLINE_SECONDS
        while True:
            try:
                status, content, _ = post_json(
                    load.port, PATH, load.bodies[number], token=load.token, headers=headers_for(number)
                )
            except CONNECTION_ERRORS as error:
                status, content = 0, repr(error).encode()
            # 409 idempotency_key_in_use: the key's first request died with the server; its claim
            # is abandoned after LOCK_TIMEOUT_SECONDS.
            if status == 409 and b"idempotency_key_in_use" in content and time.monotonic() < deadline:
                time.sleep(0.5)
                continue
            load.report.retry_statuses[status] += 1
            load.record(number, status, content)
            break


def reserved_units(database_url: str) -> Counter:
    """Units reserved per (stock list, product)."""
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT stock_list_id, product_id, sold_quantity_unreported FROM catalog_productstock"
        ).fetchall()
    return Counter({(stock_list, product): units for stock_list, product, units in rows})


def reservation_problems(database_url: str, load: Load, before: Counter) -> list[str]:
    """The units reserved since `before` must be the acknowledged orders' units, row by row."""
    now = reserved_units(database_url)
    reserved = {key: now[key] - before[key] for key in now if now[key] != before[key]}
    wanted = Counter(
        (item["stock_list"], item["product"])
        for number in load.report.acknowledged
        for item in load.bodies[number]["order_item"]
    )
    if reserved != dict(wanted):
        return [f"reserved since the start {reserved}, acknowledged orders' units {dict(wanted)}"]
    return []


def check_database(database_url: str, load: Load) -> list[str]:
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT o.number, o.id, count(i.id) FROM orders_order o "
            "LEFT JOIN orders_orderitem i ON i.order_id = o.id "
            "WHERE o.channel_id = 1 AND o.number LIKE 'CRASH-%' GROUP BY o.number, o.id"
        ).fetchall()
    stored = {number: (order_id, items) for number, order_id, items in rows}
    problems = []
    for number, order_id in sorted(load.report.acknowledged.items()):
        if number not in stored:
            problems.append(f"{number}: acknowledged as id {order_id} but not in the database")
        elif stored[number] != (order_id, ITEMS):
            problems.append(
                f"{number}: acknowledged as id {order_id} with {ITEMS} items, stored as {stored[number]}"
            )
    for number, (order_id, items) in sorted(stored.items()):
        if items != ITEMS:
            problems.append(f"{number}: order {order_id} stored with {items} items")
        if number not in load.bodies:
            problems.append(f"{number}: stored but never sent")
        elif number not in load.report.acknowledged:
            problems.append(f"{number}: stored but never acknowledged, even after retrying")
    return problems


def run(
    database_url: str,
    work_dir: Path,
    *,
    clients: int = 6,
    before_kill: int = 40,
    after_restart: int = 30,
    settings: dict[str, str] | None = None,
) -> Report:
    """Drive the crash scenario against `database_url` (migrated here); returns what was seen.
    `settings`: more of the server's environment."""
    started = time.monotonic()
    env = server_env(
        work_dir,
        database_url=database_url,
        WEB_CONCURRENCY="2",
        WEB_THREADS="4",
        OMS_IDEMPOTENCY_LOCK_TIMEOUT_SECONDS=str(LOCK_TIMEOUT_SECONDS),
        **(settings or {}),
    )
    token = prepare(env)
    before = reserved_units(database_url)
    server = Server(env, work_dir / "server.log")
    server.start()
    load = Load(server.port, token, clients)
    try:
        load.start()
        wait_until(
            lambda: load.acknowledged() >= before_kill or load.report.problems, "orders before the kill"
        )
        time.sleep(random.uniform(0, 0.05))  # anywhere in the requests being served
        load.server_up.clear()  # clients that hit the dead server wait for the restart
        server.kill()
        load.report.acknowledged_before_kill = load.acknowledged()
        server.start()
        load.server_up.set()
        target = load.acknowledged() + after_restart
        wait_until(lambda: load.acknowledged() >= target or load.report.problems, "orders after the restart")
        load.join()
        retry_in_doubt(load)
    finally:
        load.stop.set()
        load.server_up.set()
        server.stop()
    load.report.problems += check_database(database_url, load)
    load.report.problems += reservation_problems(database_url, load, before)
    load.report.seconds = time.monotonic() - started
    return load.report


def wait_until(condition, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.02)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--before-kill", type=int, default=40, help="acknowledged orders before kill -9")
    parser.add_argument("--after-restart", type=int, default=30, help="acknowledged orders after restart")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="crashtest-") as tmp, cluster(durable=True) as url:
        report = run(
            url,
            Path(tmp),
            clients=args.clients,
            before_kill=args.before_kill,
            after_restart=args.after_restart,
        )
    print(report.summary())
    for problem in report.problems:
        print(f"  {problem}")
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
