"""Webhook delivery on PostgreSQL: events per second from the outbox to a local receiver, and the
commit-to-delivery lag (p50/p99) while create load runs at about 80 % of its peak.

`make bench-webhooks` (`python bench/webhooks.py`); knobs WH_DURATION (5 s per phase),
WH_CONNECTIONS (8), WH_WORKERS (1). Results in bench/results/webhooks.json.

1. Peak: creates at full speed through gunicorn for WH_DURATION with no worker running, so the
   events queue up (this gives the create peak of this machine, now).
2. Rate: WH_WORKERS `oms worker` processes start and deliver the queue; events per second.
3. Lag: creates at ~80 % of the peak (think time per connection) with the workers running; the
   lag of each event is its arrival at the receiver minus its occurred_at (the order's created
   date, taken just before its insert commits).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import loadgen
from loadspec import LoadSpec, percentiles
from server import ROOT, free_port, gunicorn, oms, post_order, prepare

sys.path.insert(0, str(ROOT / "scripts"))
from pgcluster import cluster


class Receiver:
    def __init__(self):
        self.arrivals: list[tuple[float, str, str]] = []  # (wall time, webhook-id, occurred_at)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.arrivals.append((time.time(), self.headers["webhook-id"], body["occurred_at"]))
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

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


def main() -> int:
    duration = int(os.environ.get("WH_DURATION", "5"))
    connections = int(os.environ.get("WH_CONNECTIONS", "8"))
    worker_count = int(os.environ.get("WH_WORKERS", "1"))
    tmp = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
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
        with gunicorn(env, tmp / "gunicorn.log") as server:
            # Warm-up first: each gunicorn worker imports and probes on its first request (seconds
            # on a busy machine). A few requests per connection, not a load.
            warmers = [
                threading.Thread(target=_warm, args=(server, token, f"WARM-{c}")) for c in range(connections)
            ]
            for thread in warmers:
                thread.start()
            for thread in warmers:
                thread.join()
            spec = LoadSpec(
                server.url, token, items=3, connections=connections, duration=duration, run_id="peak"
            )
            peak = loadgen.run_load(spec, wrk)
            queued = 3 * connections + peak.created
            workers = [
                subprocess.Popen(
                    [sys.executable, "-m", "oms.cli", "worker"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL
                )
                for _ in range(worker_count)
            ]
            try:
                started = time.monotonic()
                _wait(lambda: receiver.distinct() >= queued, 600)
                rate = queued / (time.monotonic() - started)
                before = len(receiver.arrivals)
                target = 0.8 * peak.created_per_s
                think = max(0.0, 1000 * connections / target - peak.latency_ms["p50"])
                loaded = loadgen.run_load(
                    LoadSpec(server.url, token, 3, connections, duration, run_id="lag", think_ms=think), wrk
                )
                _wait(lambda: receiver.distinct() >= queued + loaded.created, 60)
            finally:
                for worker in workers:
                    worker.terminate()
                    worker.wait(timeout=30)
    lags = sorted(
        (arrived - datetime.fromisoformat(occurred.replace("Z", "+00:00")).timestamp()) * 1000
        for arrived, _, occurred in receiver.arrivals[before:]
    )
    result = {
        "create_peak_per_s": round(peak.created_per_s, 1),
        "queued_events": queued,
        "workers": worker_count,
        "delivered_per_s": round(rate, 1),
        "load_per_s": round(loaded.created_per_s, 1),
        "load_share_of_peak": round(loaded.created_per_s / peak.created_per_s, 2)
        if peak.created_per_s
        else 0,
        "lag_ms": {k: round(v, 1) for k, v in percentiles(lags).items()},
        "lag_events": len(lags),
    }
    out = ROOT / "bench" / "results" / "webhooks.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
