"""`make bench-ab A=<rev> B=<rev>`: the create scenario of two commits, served side by side.

A change on the hot path is judged against the commit before it, measured in the same run: these
machines are shared and their speed drifts by a third within an hour, so two `make bench` runs an
hour apart say little about a 3 % difference. Here both commits are checked out (git archive) and
served by gunicorn at once, each on its own database migrated and filled by its own commit (two
databases of one PostgreSQL cluster, or two SQLite files), so commits either side of a migration
compare too; wrk drives one of them at a time, the two alternating run by run (A B, then B A,
...), the first round dropped as warm-up.
The report is the median of each side and the ratio B / A, per database and connection count,
with the CPU per order of the application server and of PostgreSQL (the whole cluster, the other
side idle meanwhile).

Environment: AB_ROUNDS (6, the first dropped), AB_DURATION (5 s per run), AB_ITEMS (3),
AB_CONNECTIONS (4,16), AB_DATABASES (postgres,sqlite), AB_STOCK_POLICY (`ignore`: channel 1
creates without touching stock, as `make bench`'s matrix; `reserve` or `reject` to compare
reserving creates; empty: the demo's own, `reserve`, which is what commits since stock reservations
would otherwise compare, whatever path the change is on). Results: bench/results/ab.json.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import loadgen
import procstat
import server
from loadgen import LoadSpec
from pgdb import PostgresDB
from sqlitedb import SqliteDB

RESULTS = Path(__file__).resolve().parent / "results"


def _env_list(name: str, default: str) -> list[str]:
    return [v.strip() for v in os.environ.get(name, default).split(",") if v.strip()]


def checkout(rev: str, into: Path) -> Path:
    """The tree of `rev` in `into` (no .git: served as files, imported through PYTHONPATH)."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", rev], cwd=server.ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def set_stock_policy(env: dict[str, str], root: Path, policy: str) -> None:
    """Channel 1's stock_policy, on a commit that has one (those before stock reservations have
    none: nothing to set)."""
    if policy:
        code = (
            "from oms.channels.models import Channel; "
            f"hasattr(Channel, 'StockPolicy') and Channel.objects.filter(pk=1).update(stock_policy={policy!r})"
        )
        server.shell(env, code, root=root)


def measure(srv: server.Server, token: str, items: int, connections: int, duration: int, wrk, db_cpu) -> dict:
    """One wrk run against `srv`: created orders/s, p99, and the server's and the database's CPU
    per order (`db_cpu`: the cluster's CPU seconds so far; the other side idles meanwhile). On a
    machine whose other users come and go, CPU per order varies much less than orders/s."""
    spec = LoadSpec(
        base_url=srv.url,
        token=token,
        items=items,
        connections=connections,
        duration=duration,
        run_id=f"AB{secrets.token_hex(4)}",
    )
    cpu0, db0 = procstat.tree_cpu(srv.pid), db_cpu()
    result = loadgen.run_load(spec, wrk)
    time.sleep(0.5)  # requests still queued when wrk stopped belong to this run's CPU
    cpu1, db1 = procstat.tree_cpu(srv.pid), db_cpu()
    if not result.valid:
        raise RuntimeError(f"invalid run: {result.non_201_statuses} {result.socket_errors} {result.sample}")
    return {
        "orders_per_s": result.created_per_s,
        "p99_ms": result.latency_ms["p99"],
        "app_cpu_ms_per_order": 1000 * (cpu1 - cpu0) / result.created if result.created else 0.0,
        "db_cpu_ms_per_order": 1000 * (db1 - db0) / result.created if result.created else 0.0,
    }


def run_database(kind: str, trees: dict[str, Path], wrk, config: dict) -> list[dict]:
    db_class = PostgresDB if kind == "postgres" else SqliteDB
    with (
        db_class.start() as db,
        db.sibling("side_a") as db_a,
        tempfile.TemporaryDirectory(prefix="bench-ab-") as var,
    ):
        databases = {"A": db_a, "B": db}
        envs = {
            side: {
                **os.environ,
                "DATABASE_URL": databases[side].url,
                "OMS_VAR_DIR": str(Path(var) / side),
                "DEBUG": "0",
            }
            for side in trees
        }
        tokens = {side: server.prepare(envs[side], root=tree) for side, tree in trees.items()}
        for side, tree in trees.items():
            set_stock_policy(envs[side], tree, os.environ.get("AB_STOCK_POLICY", "ignore"))
        with contextlib.ExitStack() as stack:
            servers = {
                side: stack.enter_context(server.gunicorn(envs[side], Path(var) / f"{side}.log", root=tree))
                for side, tree in trees.items()
            }
            for side, srv in servers.items():  # both answer, before anything is timed
                token = tokens[side]
                status, body = server.post_order(srv, token, f"AB-SMOKE-{side}-{secrets.token_hex(3)}", 1)
                if status != 201:
                    raise RuntimeError(f"{side} answered {status}: {body}")
            # SQLite's CPU is the application's own.
            db_cpu = db.server_cpu if kind == "postgres" else lambda: 0.0
            rows = []
            for connections in config["connections"]:
                runs: dict[str, list[dict]] = {"A": [], "B": []}
                for round_no in range(config["rounds"]):
                    order = ("A", "B") if round_no % 2 == 0 else ("B", "A")
                    for side in order:
                        run = measure(
                            servers[side],
                            tokens[side],
                            config["items"],
                            connections,
                            config["duration"],
                            wrk,
                            db_cpu,
                        )
                        if round_no:  # the first round warms both up
                            runs[side].append(run)
                rows.append(summarise(kind, connections, runs))
                print(line(rows[-1]), flush=True)
            return rows


def summarise(kind: str, connections: int, runs: dict[str, list[dict]]) -> dict:
    def median(side: str, key: str) -> float:
        return statistics.median(run[key] for run in runs[side])

    row = {"database": kind, "connections": connections, "runs": runs}
    for key in ("orders_per_s", "p99_ms", "app_cpu_ms_per_order", "db_cpu_ms_per_order"):
        row[key] = {"A": median("A", key), "B": median("B", key)}
        row[key]["ratio"] = row[key]["B"] / row[key]["A"] if row[key]["A"] else None
    return row


def line(row: dict) -> str:
    ops, p99, cpu = row["orders_per_s"], row["p99_ms"], row["app_cpu_ms_per_order"]
    db = row["db_cpu_ms_per_order"]
    return (
        f"| {row['database']:<8} | {row['connections']:>3} | {ops['A']:7.0f} | {ops['B']:7.0f} "
        f"| {ops['ratio']:.3f} | {p99['A']:6.1f} | {p99['B']:6.1f} | {cpu['A']:5.2f} | {cpu['B']:5.2f} "
        f"| {db['A']:5.2f} | {db['B']:5.2f} |"
    )


HEADER = (
    "| database | conns | A ord/s | B ord/s | B / A | A p99 ms | B p99 ms | A cpu ms | B cpu ms "
    "| A db ms | B db ms |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|"
)


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: ab.py REV_A REV_B", file=sys.stderr)
        return 2
    revs = {"A": sys.argv[1], "B": sys.argv[2]}
    config = {
        "rounds": int(os.environ.get("AB_ROUNDS", "6")),
        "duration": int(os.environ.get("AB_DURATION", "5")),
        "items": int(os.environ.get("AB_ITEMS", "3")),
        "connections": [int(v) for v in _env_list("AB_CONNECTIONS", "4,16")],
    }
    wrk = loadgen.ensure_wrk()
    results = {"revs": revs, "config": config, "load_generator": loadgen.describe(wrk), "rows": []}
    print(f"A = {revs['A']}, B = {revs['B']}; {config}\n{HEADER}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-ab-src-") as src:
        trees = {side: checkout(rev, Path(src) / side.lower()) for side, rev in revs.items()}
        for kind in _env_list("AB_DATABASES", "postgres,sqlite"):
            results["rows"] += run_database(kind, trees, wrk, config)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ab.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
