"""`make bench-stock-ab A=<rev> B=<rev>`: the stock scenarios of two commits, served side by side.

bench/stock.py's scenarios (no stock, `reserve` with 3 items on distinct products, `reject` under
contention: 16 connections on the same 5 products) with both commits served by gunicorn at once
on one PostgreSQL (migrated and filled by B, as bench/ab.py does), wrk driving one at a time, the
two alternating run by run, the first round dropped as warm-up and followed by VACUUM ANALYZE
(`analyze`). The machines are shared and their speed drifts: only figures of one run compare. The
contention scenario is measured at full load and at ~80 % of each side's own peak (one think time
per side, from its full-load runs).

Environment: AB_ROUNDS (4, the first dropped), AB_DURATION (5 s per run). Results:
bench/results/stock_ab.json.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import loadgen
import procstat
import server
import stock
from ab import RESULTS, checkout
from loadgen import LoadSpec
from pgdb import PostgresDB

SCENARIOS = {  # name: (policy, items, products, spread)
    "ignore": ("ignore", stock.ITEMS, stock.POOL, True),
    "reserve": ("reserve", stock.ITEMS, stock.POOL, True),
    "contention": ("reject", stock.CONTENTION_PRODUCTS, stock.CONTENTION_PRODUCTS, False),
}


def measure(
    srv: server.Server, db: PostgresDB, token: str, scenario: str, duration: int, wrk, think_ms: float = 0.0
) -> dict:
    """One wrk run: created orders/s, p99, and the CPU per order of the server and of PostgreSQL
    (less sensitive than the rates to the other load on a shared machine)."""
    _, items, products, spread = SCENARIOS[scenario]
    spec = LoadSpec(
        base_url=srv.url,
        token=token,
        items=items,
        connections=stock.CONNECTIONS,
        duration=duration,
        run_id=f"SAB{secrets.token_hex(4)}",
        think_ms=think_ms,
        products=products,
        spread=spread,
    )
    cpu0 = procstat.tree_cpu(srv.pid), db.server_cpu()
    result = loadgen.run_load(spec, wrk)
    time.sleep(0.5)  # requests still queued when wrk stopped belong to this run's CPU
    cpu1 = procstat.tree_cpu(srv.pid), db.server_cpu()
    if not result.valid:
        raise RuntimeError(f"invalid run: {result.non_201_statuses} {result.socket_errors} {result.sample}")
    return {
        "orders_per_s": result.created_per_s,
        "p99_ms": result.latency_ms["p99"],
        "mean_ms": result.latency_ms["mean"],
        "cpu_ms_per_order": 1000 * (cpu1[0] - cpu0[0] + cpu1[1] - cpu0[1]) / max(result.created, 1),
    }


def analyze(db: PostgresDB) -> None:
    """The statistics autovacuum gives tables of the size the warm-up round left. The orders,
    items and history tables start near empty, and each server connection keeps the plans of the
    foreign-key checks planned on the first statistics, for near-empty tables: a scan of the table
    per check. The reserving create checks 9 more references (each item's stock row, and each
    history entry's order and item: the items table grows fastest), so its CPU per order grew
    with every order created until autovacuum next ran: its statement took 0.6 ms more for every
    1,000 orders created (a loop of creates against a new database; flat once analyzed, whether
    the connection is new or not: ANALYZE invalidates the cached plans)."""
    db.conn.execute("VACUUM ANALYZE")


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: stock_ab.py REV_A REV_B", file=sys.stderr)
        return 2
    revs = {"A": sys.argv[1], "B": sys.argv[2]}
    rounds, duration = int(os.environ.get("AB_ROUNDS", "4")), int(os.environ.get("AB_DURATION", "5"))
    wrk = loadgen.ensure_wrk()
    runs: dict[str, dict[str, list[dict]]] = {name: {"A": [], "B": []} for name in [*SCENARIOS, "at_80pct"]}
    with contextlib.ExitStack() as stack:
        src = stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-stock-ab-src-"))
        trees = {side: checkout(rev, Path(src) / side.lower()) for side, rev in revs.items()}
        db = stack.enter_context(PostgresDB.start())
        var = stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-stock-ab-"))
        env = {**os.environ, "DATABASE_URL": db.url, "OMS_VAR_DIR": var, "DEBUG": "0"}
        token = server.prepare(env, root=trees["B"])
        stock.stocked_pool(env)
        servers = {
            side: stack.enter_context(server.gunicorn(env, Path(var) / f"{side}.log", root=tree))
            for side, tree in trees.items()
        }
        print(f"A = {revs['A']}, B = {revs['B']}; {rounds} rounds of {duration} s", flush=True)
        for round_no in range(rounds):
            order = ("A", "B") if round_no % 2 == 0 else ("B", "A")
            for name, (policy, *_) in SCENARIOS.items():
                stock.set_policy(env, policy)
                for side in order:
                    run = measure(servers[side], db, token, name, duration, wrk)
                    if round_no:  # the first round warms both up
                        runs[name][side].append(run)
            if round_no == 0:
                analyze(db)
        # The contention scenario at ~80 % of each side's peak: a think time per connection that
        # brings its cycle (think + latency) to what that rate needs, found by short trials.
        stock.set_policy(env, "reject")
        for side in ("A", "B"):
            peak = statistics.median(r["orders_per_s"] for r in runs["contention"][side])
            latency = statistics.median(r["mean_ms"] for r in runs["contention"][side])
            cycle = stock.CONNECTIONS * 1000 / (0.8 * peak)
            think = loadgen.think_for_rate(
                lambda think_ms, side=side: measure(
                    servers[side], db, token, "contention", 2, wrk, think_ms=think_ms
                )["orders_per_s"],
                target=0.8 * peak,
                think_ms=max(0.0, cycle - 0.8 * latency),
                connections=stock.CONNECTIONS,
            )
            runs["at_80pct"][side].append({"think_ms": think, "peak": peak})
        for round_no in range(max(1, rounds - 1)):
            for side in ("A", "B") if round_no % 2 == 0 else ("B", "A"):
                think = runs["at_80pct"][side][0]["think_ms"]
                run = measure(servers[side], db, token, "contention", duration, wrk, think_ms=think)
                run["fraction_of_peak"] = run["orders_per_s"] / runs["at_80pct"][side][0]["peak"]
                runs["at_80pct"][side].append(run)
    summary = {}
    for name, sides in runs.items():
        rows = {side: [r for r in sides[side] if "orders_per_s" in r] for side in sides}
        summary[name] = {
            side: {
                key: statistics.median(r[key] for r in rows[side])
                for key in (
                    "orders_per_s",
                    "p99_ms",
                    "cpu_ms_per_order",
                    *(["fraction_of_peak"] if name == "at_80pct" else []),
                )
            }
            for side in rows
        }
    for side in ("A", "B"):
        s = {name: summary[name][side] for name in summary}
        print(
            f"{side}: {s['ignore']['orders_per_s']:.0f} orders/s without stock, "
            f"{s['reserve']['orders_per_s']:.0f} reserving ({s['reserve']['orders_per_s'] / s['ignore']['orders_per_s']:.3f}); "
            f"contention {s['contention']['orders_per_s']:.0f} orders/s p99 {s['contention']['p99_ms']:.1f} ms, "
            f"at {s['at_80pct']['fraction_of_peak']:.0%} of peak {s['at_80pct']['orders_per_s']:.0f} orders/s "
            f"p99 {s['at_80pct']['p99_ms']:.1f} ms; CPU ms/order (server + PostgreSQL) "
            f"{s['ignore']['cpu_ms_per_order']:.2f}, {s['reserve']['cpu_ms_per_order']:.2f}, "
            f"{s['contention']['cpu_ms_per_order']:.2f}",
            flush=True,
        )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "stock_ab.json").write_text(
        json.dumps({"revs": revs, "summary": summary, "runs": runs}, indent=2)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
