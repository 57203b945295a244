"""Fallback load generator when wrk is unavailable: processes x threads, keep-alive connections.

Same requests as bench/create_orders.lua (unique numbers, 100.00 per item, products 1..3), same
closed loop with optional exponential think time, or requests at fixed times (LoadSpec.rate).
Python spends roughly as much CPU per request as a lean server does, so on a 2-core machine it
steals CPU from the server: figures are a floor.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import random
import threading
import time
from collections import Counter
from urllib.parse import urlsplit

from loadspec import PYTHON_FALLBACK, TIMEOUT_S, LoadResult, LoadSpec, percentiles

PROCESSES = 2


def order_body(number: str, items: int, products: int = 3, first: int = 0) -> bytes:
    return json.dumps(
        {
            "order": {
                "number": number,
                "status": "approved",
                "date_placed": "2025-01-01T10:00:00Z",
                "customer": 1,
                "shipping_address": 1,
                "billing_address": 1,
                "currency": "try",
                "amount": f"{items * 100}.00",
            },
            "order_item": [{"product": (first + i) % products + 1, "price": "100.00"} for i in range(items)],
        }
    ).encode()


def _connection_loop(spec: LoadSpec, prefix: str, deadline: float, out: dict, lock: threading.Lock) -> None:
    parts = urlsplit(spec.base_url)
    headers = {"Content-Type": "application/json", "Authorization": f"Token {spec.token}"}
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT_S)
    counter, latencies, statuses, errors, sample = 0, [], Counter(), 0, ""
    # With a rate, this connection's requests go at fixed times (a late answer is caught up on).
    interval, next_at = (spec.connections / spec.rate if spec.rate else 0.0), time.monotonic()
    while time.monotonic() < deadline:
        counter += 1
        first = (hash(prefix) % 7919 + counter) * spec.items if spec.spread else 0
        body = order_body(f"{prefix}-{counter}", spec.items, spec.products, first)
        started = time.monotonic()
        try:
            conn.request("POST", "/api/v1/channel/1/create_orders/", body, headers)
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            continue
        latencies.append(time.monotonic() - started)
        statuses[response.status] += 1
        if response.status != 201 and not sample:
            sample = data[:400].decode(errors="replace")
        if spec.rate:
            next_at += interval
            time.sleep(max(0.0, next_at - time.monotonic()))
        elif spec.think_ms:
            time.sleep(random.expovariate(1000 / spec.think_ms))
    conn.close()
    with lock:
        out["latencies"].extend(latencies)
        out["statuses"].update(statuses)
        out["errors"] += errors
        out["sample"] = out["sample"] or sample


def _process(spec: LoadSpec, index: int, connections: int, ready, queue) -> None:
    out = {"latencies": [], "statuses": Counter(), "errors": 0, "sample": ""}
    lock = threading.Lock()
    ready.wait()  # every process has started (spawning takes a while on a busy machine)
    deadline = time.monotonic() + spec.duration
    threads = [
        threading.Thread(
            target=_connection_loop, args=(spec, f"{spec.run_id}-p{index}c{c}", deadline, out, lock)
        )
        for c in range(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put(out)


def run(spec: LoadSpec) -> LoadResult:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    processes = min(PROCESSES, spec.connections)
    shares = [spec.connections // processes + (i < spec.connections % processes) for i in range(processes)]
    ready = ctx.Barrier(processes + 1)
    workers = [
        ctx.Process(target=_process, args=(spec, i, share, ready, queue)) for i, share in enumerate(shares)
    ]
    for worker in workers:
        worker.start()
    ready.wait()
    started = time.monotonic()
    parts = [queue.get() for _ in workers]
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    latencies = sorted(lat for part in parts for lat in part["latencies"])
    statuses = sum((part["statuses"] for part in parts), Counter())
    created = statuses.pop(201, 0)
    return LoadResult(
        tool=PYTHON_FALLBACK,
        duration=elapsed,
        requests=len(latencies),
        created=created,
        non_201=sum(statuses.values()),
        non_201_statuses={str(k): v for k, v in statuses.items()},
        socket_errors={"connection": sum(part["errors"] for part in parts)},
        latency_ms=percentiles([lat * 1000 for lat in latencies]),
        sample=next((part["sample"] for part in parts if part["sample"]), ""),
    )
