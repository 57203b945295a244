"""`make bench-servers`: which app server to ship, measured behind nginx.

Serves oms at once (`oms serve`) with gunicorn sync workers, gunicorn gthread workers and granian
(WSGI, Rust I/O: what `oms serve` runs, oms/serving.py), each behind its own nginx running
deploy/nginx/oms.conf (TLS, upstream keep-alive), on one durable PostgreSQL. wrk drives the create scenario (bench/create_orders.lua: 3 items, a unique
number per request) through one nginx at a time, the servers alternating run by run, the first
round dropped as warm-up; the median of each is reported: orders/s, p99 and the app server's CPU
per order. Then, straight to each server (no nginx), 50 connections send their headers one line
every 2 s while a normal request is timed: what a server without a proxy in front suffers.

Environment: SERVERS_ROUNDS (3), SERVERS_DURATION (4 s), SERVERS_CONNECTIONS (4,16,64),
SERVERS_PROCESSES (4: processes of each server). Results: bench/results/servers.json.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import loadgen
import server
from ab import measure
from pgdb import PostgresDB

sys.path.insert(0, str(server.ROOT / "scripts"))
from deploytest import nginx_config, wait_for
from liveserver import slow_clients

RESULTS = Path(__file__).resolve().parent / "results"
SLOW_CLIENTS = 50


def servers(processes: int) -> dict[str, dict[str, str]]:
    """Name: environment of `oms serve` for each contender: gunicorn sync with `processes`
    processes, gunicorn gthread and granian (as shipped, oms/serving.py) with half as many, 4
    threads each."""
    half = str(processes // 2)
    return {
        "gunicorn sync": {
            "OMS_SERVER": "gunicorn",
            "WEB_CONCURRENCY": str(processes),
            "GUNICORN_THREADS": "1",
        },
        "gunicorn gthread": {"OMS_SERVER": "gunicorn", "WEB_CONCURRENCY": half, "GUNICORN_THREADS": "4"},
        "granian": {"OMS_SERVER": "granian", "WEB_CONCURRENCY": half, "WEB_THREADS": "4"},
    }


@contextlib.contextmanager
def serve(name: str, env: dict[str, str], log: Path):
    port = server.free_port()
    env = {**env, "HOST": "127.0.0.1", "PORT": str(port)}
    command = [sys.executable, "-m", "oms.cli", "serve"]
    with log.open("ab") as out:
        process = subprocess.Popen(
            command, env=env, cwd=server.ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_for(lambda: ready(port), f"{name} on {port}", process)
        yield process, port
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def ready(port: int) -> bool:
    with contextlib.suppress(OSError, http.client.HTTPException):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection.request("GET", "/readyz")
        return connection.getresponse().status == 200
    return False


@contextlib.contextmanager
def nginx(directory: Path, upstream: int):
    directory.mkdir()
    port = server.free_port()
    main = nginx_config(directory, port, server.free_port(), [upstream])
    process = subprocess.Popen(["nginx", "-p", str(directory), "-c", str(main)], start_new_session=True)
    try:
        wait_for(lambda: ready_tcp(port), "nginx", process)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def ready_tcp(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        return True
    return False


def slow_headers(port: int) -> float | None:
    """Seconds a normal request waits while SLOW_CLIENTS connections send a header line every 2 s
    (None: no answer within 5 s)."""
    with slow_clients(port, SLOW_CLIENTS):
        time.sleep(1)
        started = time.monotonic()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            return time.monotonic() - started
        except (OSError, http.client.HTTPException):
            return None


def main() -> int:
    rounds = int(os.environ.get("SERVERS_ROUNDS", "3"))
    duration = int(os.environ.get("SERVERS_DURATION", "4"))
    counts = [int(c) for c in os.environ.get("SERVERS_CONNECTIONS", "4,16,64").split(",")]
    processes = int(os.environ.get("SERVERS_PROCESSES", "4"))
    wrk = loadgen.ensure_wrk()
    rows: dict[str, dict] = {}
    with PostgresDB.start() as db, tempfile.TemporaryDirectory(prefix="bench-servers-") as var:
        env = {
            # The load is as fast as the servers answer: the rate limit is on but never reached.
            "OMS_RATE_LIMIT": "1000000/s burst 1000000",
            **os.environ,
            "DATABASE_URL": db.url,
            "OMS_VAR_DIR": var,
            "OMS_TRUSTED_PROXIES": "127.0.0.1",
        }
        token = server.prepare(env)
        with contextlib.ExitStack() as stack:
            served = {}
            for index, (name, extra) in enumerate(servers(processes).items()):
                process, port = stack.enter_context(serve(name, {**env, **extra}, Path(var) / f"{index}.log"))
                front = stack.enter_context(nginx(Path(var) / f"nginx-{index}", port))
                served[name] = (process.pid, port, f"https://127.0.0.1:{front}")
            for connections in counts:
                runs: dict[str, list[dict]] = {name: [] for name in served}
                for round_no in range(rounds + 1):
                    names = list(served) if round_no % 2 == 0 else list(reversed(served))
                    for name in names:
                        pid, _, url = served[name]
                        run = measure(
                            server.Server(pid=pid, url=url),
                            token,
                            3,
                            connections,
                            duration,
                            wrk,
                            db.server_cpu,
                        )
                        if round_no:
                            runs[name].append(run)
                for name, measured in runs.items():
                    row = {key: statistics.median(r[key] for r in measured) for key in measured[0]}
                    rows.setdefault(name, {})[connections] = row
                    print(
                        f"| {name:<16} | {connections:>3} | {row['orders_per_s']:6.0f} | {row['p99_ms']:6.1f} "
                        f"| {row['app_cpu_ms_per_order']:5.2f} | {row['db_cpu_ms_per_order']:5.2f} |",
                        flush=True,
                    )
            for name, (_, port, _) in served.items():
                waited = slow_headers(port)
                rows[name]["slow_headers_s"] = waited
                print(f"{name}: with {SLOW_CLIENTS} slow-header connections, a request waited "
                      f"{'no answer within 5 s' if waited is None else f'{waited:.2f} s'}", flush=True)  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "servers.json").write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
