"""Where a reserving create's cost goes: creates without stock and reserving ones, alternating, in
one process (the WSGI application, as bench/profile_create.py calls it) against a durable
throwaway cluster with make bench's pool of 3,000 stock rows, analyzed.

`python bench/stock_profile.py [--orders N] [--rounds R] [--perf]`, or `make bench-stock-profile`.
Per policy (median of the rounds): the app's CPU per create, its PostgreSQL backend's (user and
system, from /proc), WAL bytes per create (pg_current_wal_lsn), and the create statement's own
execution time, planning and buffer hits (pg_stat_statements; the foreign-key checks deferred to
the commit are not in it). Autovacuum is off, so that rounds compare; the cluster's background
work is left out. `--perf` records the backend's first round of each policy with `perf record -g`
(bench/results/stock-profile-<policy>.data, for `perf report --children`). Nothing runs over
HTTP: bench/stock_ab.py measures the served figures.

`--contention`: then creates of 5 items under `reject` from 8 threads (`--threads`), each its own
connection, on the same 5 products and, for comparison, spread over the pool: orders/s and the
cluster's CPU per create (bench/procstat.py: the postmaster and its processes). With `--perf`, `perf record -a -g` of each
(bench/results/stock-contention-<case>.data). It found what contention costs: EvalPlanQual
re-checking rows changed after the statement's snapshot, which starts every CTE of the create
statement again.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from pgcluster import Cluster  # noqa: E402
from procstat import tree_cpu  # noqa: E402
from profile_create import _post  # noqa: E402
from pyload import order_body  # noqa: E402

ITEMS, POOL, CONTENTION_PRODUCTS = 3, 3000, 5
RESULTS = ROOT / "bench" / "results"
STATEMENTS = (
    "SELECT calls, total_exec_time, total_plan_time, shared_blks_hit FROM pg_stat_statements "
    "WHERE calls >= %s ORDER BY total_exec_time DESC LIMIT 1"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000, help="creates per round and policy")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--perf", action="store_true", help="perf record the first round's backend")
    parser.add_argument("--contention", action="store_true", help="then creates from threads on 5 products")
    parser.add_argument("--threads", type=int, default=8, help="threads of --contention")
    args = parser.parse_args()
    server = Cluster(durable=True).init()
    with (server.data / "postgresql.conf").open("a") as conf:
        conf.write(
            "shared_preload_libraries = 'pg_stat_statements'\npg_stat_statements.track_planning = on\nautovacuum = off\n"
        )
    server.start()
    try:
        print(json.dumps(_profile(server, args), indent=1))
    finally:
        server.remove()


def _profile(server: Cluster, args) -> dict:
    os.environ.update(
        DATABASE_URL=server.url,
        DJANGO_SETTINGS_MODULE="oms.settings",
        OMS_RATE_LIMIT="1000000/s burst 1000000",
        OMS_REQUEST_LOG="0",
        LOG_LEVEL="WARNING",
        OMS_VAR_DIR=tempfile.mkdtemp(prefix="stock-profile-"),
        DEBUG="0",
    )
    import django

    django.setup()
    import psycopg
    from django.core.management import call_command
    from django.db import connection, connections

    from oms.access.services import clear_key_cache
    from oms.channels.models import Channel
    from oms.wsgi import application

    call_command("migrate", "--noinput", verbosity=0)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        call_command("demo")
    token = out.getvalue().splitlines()[0].removeprefix("Demo API token: ").strip()
    _stocked_pool()
    monitor = psycopg.connect(server.url, autocommit=True)
    monitor.execute("CREATE EXTENSION pg_stat_statements")

    def run(policy: str, tag: str, orders: int, perf: bool = False) -> dict:
        Channel.objects.filter(pk=1).update(stock_policy=policy)
        clear_key_cache()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
        recorder = _perf(backend, RESULTS / f"stock-profile-{policy}.data") if perf else None
        lsn = monitor.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        monitor.execute("SELECT pg_stat_statements_reset()")
        before = _cpu(backend), time.process_time()
        first = hash(tag) % 900
        for n in range(orders):
            status = _post(application, order_body(f"{tag}-{n}", ITEMS, POOL, (first + n) * ITEMS), token)
            if not status.startswith("201"):
                raise SystemExit(f"stock-profile: expected 201, got {status}")
        after = _cpu(backend), time.process_time()
        if recorder:
            recorder.send_signal(signal.SIGINT)
            recorder.wait()
        wal = monitor.execute("SELECT pg_current_wal_lsn() - %s::pg_lsn", [lsn]).fetchone()[0]
        calls, executing, planning, hits = monitor.execute(STATEMENTS, [orders]).fetchone()
        per = 1000 / orders
        return {
            "app_cpu_ms": (after[1] - before[1]) * per,
            "backend_cpu_ms": (sum(after[0]) - sum(before[0])) * per,
            "backend_system_ms": (after[0][1] - before[0][1]) * per,
            "wal_bytes": float(wal) / orders,
            "statement_us": executing / calls * 1000,
            "statement_planning_us": planning / calls * 1000,
            "statement_buffer_hits": hits / calls,
        }

    def cluster_cpu() -> float:
        # The postmaster and every process under it, backends whose connections closed included.
        return tree_cpu(int((server.data / "postmaster.pid").read_text().split()[0]))

    def contended(case: str, products: int) -> dict:
        # Each thread its own connection (Django's are per thread); the first order of each warms
        # its connection up (prepared statements) before the measured ones.
        Channel.objects.filter(pk=1).update(stock_policy="reject")
        clear_key_cache()
        per = args.orders // args.threads
        start, done = threading.Barrier(args.threads + 1), threading.Barrier(args.threads + 1)

        errors: list[BaseException] = []

        def work(thread: int) -> None:
            def create(n: int) -> None:
                first = (
                    0 if products == CONTENTION_PRODUCTS else (thread * (per + 1) + n) * CONTENTION_PRODUCTS
                )
                body = order_body(f"{case}-{thread}-{n}", CONTENTION_PRODUCTS, products, first)
                status = _post(application, body, token)
                if not status.startswith("201"):
                    raise RuntimeError(f"expected 201, got {status}")

            try:
                create(per)
                start.wait()
                for n in range(per):
                    create(n)
                done.wait()
            except BaseException as error:  # reported by the main thread
                errors.append(error)
                start.abort()
                done.abort()
            finally:
                connections.close_all()

        threads = [threading.Thread(target=work, args=(t,)) for t in range(args.threads)]
        for thread in threads:
            thread.start()
        recorder = _perf(None, RESULTS / f"stock-contention-{case}.data") if args.perf else None
        try:
            # Every thread has created its first order (its connection open) once they all wait.
            while start.n_waiting < args.threads and not errors:
                time.sleep(0.01)
            before = cluster_cpu()
            start.wait()
            began = time.monotonic()
            done.wait()
        except threading.BrokenBarrierError:
            raise SystemExit(f"stock-profile: {errors[0] if errors else 'a thread stopped'}") from None
        finally:
            if recorder:
                recorder.send_signal(signal.SIGINT)
                recorder.wait()
        elapsed = time.monotonic() - began
        for thread in threads:
            thread.join()
        orders = per * args.threads
        return {"orders_per_s": orders / elapsed, "cluster_cpu_ms": (cluster_cpu() - before) * 1000 / orders}

    policies = ("ignore", "reserve")
    for policy in policies:  # warm-up: imports, caches, prepared statements, then statistics
        run(policy, f"warm-{policy}", 200)
    monitor.execute("VACUUM ANALYZE")
    rounds = {policy: [] for policy in policies}
    for index in range(args.rounds):
        for policy in policies:
            rounds[policy].append(run(policy, f"R{index}-{policy}", args.orders, args.perf and index == 0))
    result = {
        policy: {key: round(statistics.median(r[key] for r in runs), 3) for key in runs[0]}
        for policy, runs in rounds.items()
    }
    if args.contention:
        for case, products in (("same-5", CONTENTION_PRODUCTS), ("spread", POOL)):
            result[f"contention {case}"] = {k: round(v, 3) for k, v in contended(case, products).items()}
    return result


def _stocked_pool() -> None:
    from oms.catalog.models import Product, ProductStock

    Product.objects.bulk_create(
        Product(sku=f"BENCH-{n}", name="Bench") for n in range(POOL - Product.objects.count())
    )
    ProductStock.objects.bulk_create(
        (ProductStock(stock_list_id=1, product=p) for p in Product.objects.exclude(stocks__stock_list_id=1)),
        batch_size=1000,
    )
    ProductStock.objects.filter(stock_list_id=1).update(stock=2**31 - 1)


def _cpu(pid: int) -> tuple[float, float]:
    """User and system CPU seconds of a process (the backend runs as another user: /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / ticks, int(fields[12]) / ticks


def _perf(pid: int | None, output: Path) -> subprocess.Popen:
    """perf record of one process, or of every CPU (None)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    target = ["-a"] if pid is None else ["-p", str(pid)]
    recorder = subprocess.Popen(
        ["perf", "record", "-F", "2000", "-g", *target, "-o", str(output)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.5)  # perf attached before the first create
    return recorder


if __name__ == "__main__":
    main()
