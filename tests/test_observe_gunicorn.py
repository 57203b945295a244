"""Metrics, request ids and log lines as served: `oms serve` (granian) with 2 workers (multiprocess
metrics)."""

import contextlib
import json
import os
import signal
import sys
import time
from pathlib import Path

from conftest import process_level
from oms.observe.tests.scrape import delta, parse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from liveserver import CONNECTION_ERRORS, Server, order_body, post_json, prepare, request, server_env

pytestmark = process_level("its own SQLite file")
CREATE = "api/v1/channel/<int:channel_id>/create_orders/"


def scrape(port: int):
    status, body, _ = request(port, "GET", "/metrics")
    assert status == 200, body
    return parse(body.decode())


def wait_for_answers(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with contextlib.suppress(*CONNECTION_ERRORS):
            if request(port, "GET", "/healthz", timeout=5)[0] == 200:
                return
        time.sleep(0.1)
    raise AssertionError("the server did not answer again")


def worker_pids(master: int) -> set[int]:
    return {int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()}


def test_two_workers_metrics_add_up_and_survive_their_restart(tmp_path):
    # Given `oms serve` with 2 workers, the production configuration, its metrics directory our own
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_1.db").write_bytes(b"stale")  # a previous server's: wiped at start
    env = server_env(
        tmp_path, WEB_CONCURRENCY="2", PROMETHEUS_MULTIPROC_DIR=str(metrics_dir), LOG_LEVEL="INFO"
    )
    token = prepare(env)
    with Server(env, tmp_path / "server.log") as server:
        before = scrape(server.port)
        # When 10 creates (the lane answers them), 2 replays, a rejection and a keyless body go in
        answers = [
            post_json(server.port, "/api/v1/channel/1/create_orders/", order_body(f"G-{n}"), token=token)
            for n in range(10)
        ]
        answers += [
            post_json(server.port, "/api/v1/channel/1/create_orders/", order_body(f"G-{n}"), token=token)
            for n in range(2)
        ]
        bad = order_body("G-BAD")
        bad["order"]["customer"] = 987654
        answers.append(post_json(server.port, "/api/v1/channel/1/create_orders/", bad, token=token))
        keyless = request(
            server.port, "POST", "/api/v1/channel/1/create_orders/", b"{}", {"X-Request-ID": "bad id <x>"}
        )
        # and both workers are stopped, one gracefully and one with SIGKILL (the server starts two
        # others, which counted none of it)
        pids = worker_pids(server.process.pid)
        assert len(pids) == 2
        for pid, sent in zip(sorted(pids), (signal.SIGTERM, signal.SIGKILL), strict=True):
            os.kill(pid, sent)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = worker_pids(server.process.pid)
            if len(now) == 2 and not now & pids:
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the server did not start two new workers")
        wait_for_answers(server.port)  # granian refuses connections while none of its workers listens
        after = scrape(server.port)

    # Then the answers are as expected, each with its own request id
    assert [status for status, _, _ in answers] == [201] * 10 + [200] * 2 + [400]
    assert keyless[0] == 401
    ids = {headers["X-Request-ID"] for _, _, headers in [*answers, keyless]}
    assert len(ids) == 14
    assert "bad id <x>" not in ids
    # And the stopped workers' counts add up, read from their files
    requests = "oms_http_request_duration_seconds_count"
    assert delta(before, after, requests, route=CREATE, method="POST", status="201") == 10
    assert delta(before, after, requests, route=CREATE, method="POST", status="200") == 2
    assert delta(before, after, requests, route=CREATE, method="POST", status="400") == 1
    assert delta(before, after, requests, route=CREATE, method="POST", status="401") == 1
    assert delta(before, after, "oms_orders_total", channel="1", outcome="created") == 10
    assert delta(before, after, "oms_orders_total", channel="1", outcome="replayed") == 2
    assert delta(before, after, "oms_order_rejections_total", channel="1", code="not_found") == 1
    assert delta(before, after, "oms_db_queries_total", route=CREATE) > 10
    assert after[("oms_db_connections_opened_total", frozenset({("alias", "default")}))] >= 1
    # And the stale file went at start, the directory is ours and stays (we did not make it)
    assert (
        not (metrics_dir / "counter_1.db").exists() or (metrics_dir / "counter_1.db").read_bytes() != b"stale"
    )
    # And each request has one JSON log line with its id
    lines = [
        json.loads(line)
        for line in (tmp_path / "server.log").read_text().splitlines()
        if line.startswith("{")
    ]
    logged = {line["request_id"]: line for line in lines if line.get("logger") == "oms.requests"}
    assert ids <= set(logged)
    created = logged[answers[0][2]["X-Request-ID"]]
    assert (created["route"], created["status"], created["channel"], created["order_number"]) == (
        CREATE,
        201,
        1,
        "G-0",
    )
    assert created["key_id"] is not None and created["queries"] > 0
