"""Webhook delivery on PostgreSQL: events per second from the outbox to a local receiver, and the
commit-to-delivery lag (p50/p99) while creates arrive at 80 % of the create peak.

`make bench-webhooks` (`python bench/webhooks.py`); knobs WH_DURATION (5 s per phase),
WH_CONNECTIONS (8, the peak's), WH_WORKERS (the worker counts to try, "1,2"), WH_SHARE (0.8).
Results in bench/results/webhooks.json.

1. Peak: creates at full speed through gunicorn for WH_DURATION with no worker running, so the
   events queue up (the create peak of this machine, now, in this run).
2. Backlog: the first count of `oms worker` processes starts and delivers the queue: events/s
   from the outbox to the receiver (and the workers' CPU per event).
3. Lag, for each worker count: creates at WH_SHARE of the peak, open loop (wrk sends at fixed
   times, whatever the answers' latency, as long as one of its 32 connections is free), with the
   workers running; the lag of each event is its arrival at the receiver minus its occurred_at
   (the order's created date, taken just before its insert commits). Once the load stops, the
   events still queued and the seconds they took to arrive say whether the workers kept up.

The receiver is a small asyncio HTTP/1.1 server in this process (keep-alive, 204, no parsing
beyond the headers it needs), so that it costs little of the machine's CPU.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import loadgen
import procstat
import psycopg
from loadspec import LoadSpec, percentiles
from server import ROOT, free_port, gunicorn, oms, post_order, prepare

sys.path.insert(0, str(ROOT / "scripts"))
from pgcluster import cluster

RATE_CONNECTIONS = 32  # enough free connections for a fixed rate while answers slow down


class Receiver:
    """Records (arrival time, webhook-id, occurred_at) of each POST and answers 204."""

    def __init__(self):
        self.arrivals: list[tuple[float, bytes, bytes]] = []
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        started = threading.Event()
        threading.Thread(target=self._serve, args=(started,), daemon=True).start()
        started.wait()

    def _serve(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(asyncio.start_server(self._connection, "127.0.0.1", self.port))
        started.set()
        self.loop.run_forever()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length, webhook_id = 0, b""
                for line in head.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    name = name.lower()
                    if name == b"content-length":
                        length = int(value)
                    elif name == b"webhook-id":
                        webhook_id = value.strip()
                body = await reader.readexactly(length)
                at = body.find(b'"occurred_at":"') + len(b'"occurred_at":"')
                self.arrivals.append((time.time(), webhook_id, body[at : body.index(b'"', at)]))
                writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    def distinct(self) -> int:
        return len({webhook_id for _, webhook_id, _ in self.arrivals})


def _wait(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def _warm(server, token: str, prefix: str) -> None:
    for n in range(3):
        post_order(server, token, f"{prefix}-{n}", 3)


def _published(url: str) -> int:
    """order.created events committed since the subscription: what the receiver must get."""
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(
            "SELECT count(*) FROM events_event WHERE type = 'order.created' "
            "AND occurred_at >= (SELECT min(created_date) FROM events_webhook)"
        ).fetchone()[0]


def _lags_ms(arrivals) -> list[float]:
    first: dict[bytes, float] = {}
    for arrived, webhook_id, occurred in arrivals:
        if webhook_id not in first:
            occurred_at = datetime.fromisoformat(occurred.decode().replace("Z", "+00:00")).timestamp()
            first[webhook_id] = (arrived - occurred_at) * 1000
    return sorted(first.values())


def main() -> int:
    duration = int(os.environ.get("WH_DURATION", "5"))
    connections = int(os.environ.get("WH_CONNECTIONS", "8"))
    worker_counts = [int(n) for n in os.environ.get("WH_WORKERS", "1,2").split(",")]
    share = float(os.environ.get("WH_SHARE", "0.8"))
    tmp = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    workers: list[subprocess.Popen] = []
    with cluster(durable=True) as url:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "OMS_VAR_DIR": str(tmp),
            "DEBUG": "0",
            "OMS_WEBHOOK_ALLOW_PRIVATE": "1",
        }
        token = prepare(env)
        receiver = Receiver()
        oms(
            env,
            "webhook",
            "add",
            "--channel",
            "1",
            f"http://127.0.0.1:{receiver.port}/hooks",
            "--events",
            "order.created",
        )
        wrk = loadgen.ensure_wrk()

        def start_workers(count: int) -> None:
            while len(workers) < count:
                workers.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "oms.cli", "worker"],
                        env=env,
                        cwd=ROOT,
                        stdout=subprocess.DEVNULL,
                        stderr=(tmp / f"worker-{len(workers)}.log").open("wb"),
                    )
                )

        def workers_cpu() -> float:
            return sum(procstat.tree_cpu(worker.pid) for worker in workers)

        with gunicorn(env, tmp / "gunicorn.log") as server:
            try:
                # Warm-up first: each gunicorn worker imports and probes on its first request
                # (seconds on a busy machine). A few requests per connection, not a load.
                warmers = [
                    threading.Thread(target=_warm, args=(server, token, f"WARM-{c}"))
                    for c in range(connections)
                ]
                for thread in warmers:
                    thread.start()
                for thread in warmers:
                    thread.join()
                spec = LoadSpec(server.url, token, 3, connections, duration, run_id="peak")
                peak = loadgen.run_load(spec, wrk)
                queued = _published(url)
                start_workers(worker_counts[0])
                time.sleep(1)  # the workers' imports, not their delivery
                cpu0, started = workers_cpu(), time.monotonic()
                _wait(lambda: receiver.distinct() >= queued, 600)
                backlog = {
                    "workers": worker_counts[0],
                    "events": queued,
                    "delivered_per_s": round(queued / (time.monotonic() - started), 1),
                    "worker_cpu_ms_per_event": round(1000 * (workers_cpu() - cpu0) / queued, 3),
                }
                print(
                    json.dumps({"peak_per_s": round(peak.created_per_s, 1), "backlog": backlog}), flush=True
                )
                phases = []
                for count in worker_counts:
                    start_workers(count)
                    time.sleep(1)
                    before, cpu0 = len(receiver.arrivals), workers_cpu()
                    target = share * peak.created_per_s
                    loaded = loadgen.run_load(
                        LoadSpec(
                            server.url,
                            token,
                            3,
                            RATE_CONNECTIONS,
                            duration,
                            run_id=f"lag{count}",
                            rate=target,
                        ),
                        wrk,
                    )
                    ended = time.monotonic()
                    behind = _published(url) - receiver.distinct()
                    _wait(lambda: receiver.distinct() >= _published(url), 120)
                    lags = _lags_ms(receiver.arrivals[before:])
                    phase = {
                        "workers": count,
                        "target_per_s": round(target, 1),
                        "created_per_s": round(loaded.created_per_s, 1),
                        "share_of_peak": round(loaded.created_per_s / peak.created_per_s, 2),
                        "create_p99_ms": loaded.latency_ms["p99"],
                        "delivered_per_s": round(len(lags) / loaded.duration, 1),
                        "worker_cpu_ms_per_event": round(
                            1000 * (workers_cpu() - cpu0) / max(1, len(lags)), 3
                        ),
                        "lag_ms": {k: round(v, 1) for k, v in percentiles(lags).items()},
                        "lag_events": len(lags),
                        "queued_when_load_stopped": behind,
                        "drained_after_s": round(time.monotonic() - ended, 2),
                    }
                    print(json.dumps(phase), flush=True)
                    phases.append(phase)
            finally:
                for worker in workers:
                    worker.terminate()
                    worker.wait(timeout=30)
    result = {
        "create_peak_per_s": round(peak.created_per_s, 1),
        "peak_connections": connections,
        "backlog": backlog,
        "under_load": phases,
        "load_average": procstat.load_average(),
        "load_generator": loadgen.describe(wrk),
    }
    out = ROOT / "bench" / "results" / "webhooks.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
