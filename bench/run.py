"""`make bench`: create-order throughput, latency and cost on PostgreSQL and SQLite, against the
database's own ceiling measured in the same run.

For each database: a throwaway database (PostgreSQL: a durable cluster; SQLite: a temp file),
`oms migrate` + `oms demo`, gunicorn with oms/gunicorn_conf.py, then for each items-per-order
and concurrency level a baseline run (the database alone inserting the same rows) and a run of
POST create_orders driven by wrk. Then the latency at 80 % of the peak rate, a py-spy profile of the server under load, the
cost-growth run (throughput at ~0 and at 1,000,000 stored orders, alternating between two
databases) and a pyinstrument profile of the create path. Last, the bulk scenario (bench/bulk.py:
POST create_orders/bulk/ with 1,000 orders per call against PostgreSQL's multi-row insert).
Writes bench/results/latest.json and prints a table.

Environment: BENCH_QUICK=1 (skip the cost-growth run), BENCH_DURATION (seconds per service run,
5), BENCH_BASELINE_DURATION (seconds per baseline run, 3: the database alone varies less),
BENCH_WARMUP (1), BENCH_CONNECTIONS (4,16,64), BENCH_ITEMS (1,3,20), BENCH_DATABASES
(postgres,sqlite), BENCH_GROWTH_ORDERS (1000000), BENCH_PROFILE_ORDERS (300, 0 to skip),
BENCH_PROFILE_DATABASES (sqlite: where the pyinstrument profile runs),
BENCH_LOADGEN=python (force the fallback load generator), BENCH_BULK=0 (skip the bulk scenario),
BENCH_STOCK=0 (skip the stock scenarios, bench/stock.py), BENCH_STOCK_ROUNDS (2); WEB_CONCURRENCY, GUNICORN_THREADS and
GUNICORN_WORKER_CLASS reach gunicorn as in production.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import timeit
from dataclasses import dataclass
from pathlib import Path

import bulk
import loadgen
import procstat
import report
import server
import spy
import stock
from loadgen import LoadSpec
from pgdb import PostgresDB
from sqlitedb import SqliteDB

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results"
GROWTH_ITEMS, GROWTH_CONNECTIONS = 3, 16
# The stored orders of the cost-growth run have one item each: the orders table and its indexes
# are what a create looks up and grows; three times the item rows would triple the fill time.
FILL_ITEMS = 1
GROWTH_PAIRS = 3
LATENCY_ITEMS = 3
PEAK_FRACTION = 0.8
DRAIN_TIMEOUT_S = 15


def _ints(name: str, default: str) -> list[int]:
    return [int(v) for v in os.environ.get(name, default).split(",") if v.strip()]


@dataclass(frozen=True)
class Config:
    duration: int  # wrk takes whole seconds
    baseline_duration: int
    warmup: int
    connections: list[int]
    items: list[int]
    databases: list[str]
    growth_orders: int  # 0: skip the cost-growth run
    profile_orders: int
    profile_databases: list[str]
    bulk: bool  # the bulk scenario (bench/bulk.py)
    stock: bool  # the stock scenarios (bench/stock.py)

    @classmethod
    def from_env(cls) -> Config:
        quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
        return cls(
            duration=max(1, int(os.environ.get("BENCH_DURATION", "5"))),
            baseline_duration=max(1, int(os.environ.get("BENCH_BASELINE_DURATION", "3"))),
            warmup=int(os.environ.get("BENCH_WARMUP", "1")),
            connections=_ints("BENCH_CONNECTIONS", "4,16,64"),
            items=_ints("BENCH_ITEMS", "1,3,20"),
            databases=os.environ.get("BENCH_DATABASES", "postgres,sqlite").split(","),
            growth_orders=0 if quick else int(os.environ.get("BENCH_GROWTH_ORDERS", "1000000")),
            profile_orders=int(os.environ.get("BENCH_PROFILE_ORDERS", "300")),
            profile_databases=os.environ.get("BENCH_PROFILE_DATABASES", "sqlite").split(","),
            bulk=os.environ.get("BENCH_BULK", "1") not in ("", "0"),
            stock=os.environ.get("BENCH_STOCK", "1") not in ("", "0"),
        )


class Bench:
    """One database's section of the run: the server, its baseline and the measurements."""

    def __init__(self, config: Config, wrk: str | None, run_id: str, db, srv: server.Server, token: str):
        self.config, self.wrk, self.run_id = config, wrk, run_id
        self.db, self.srv, self.token = db, srv, token
        self.templates: dict[int, int] = {}
        self.cold = True  # the next run is preceded by a warm-up (first run, or after the fill)
        self._seq = 0

    def _spec(
        self,
        items: int,
        connections: int,
        duration: float,
        think_ms: float = 0.0,
        products: int = 3,
        spread: bool = False,
    ) -> LoadSpec:
        self._seq += 1
        return LoadSpec(
            base_url=self.srv.url,
            token=self.token,
            items=items,
            connections=connections,
            duration=duration,
            run_id=f"W{self.run_id}-{self._seq}",
            think_ms=think_ms,
            products=products,
            spread=spread,
        )

    def measure(
        self,
        items: int,
        connections: int,
        duration: float | None = None,
        think_ms: float = 0.0,
        products: int = 3,
        spread: bool = False,
    ) -> dict:
        """One wrk run, server and database CPU read around it; warmed up first when cold."""
        if self.cold and self.config.warmup:
            warmup = self._spec(items, connections, self.config.warmup, products=products, spread=spread)
            loadgen.run_load(warmup, self.wrk)
        self.cold = False
        spec = self._spec(items, connections, duration or self.config.duration, think_ms, products, spread)
        first_id = self.db.max_order_id()
        load_avg = procstat.load_average()
        app0, db0, busy0 = procstat.tree_cpu(self.srv.pid), self.db.server_cpu(), procstat.machine_busy()
        window0 = time.monotonic()
        result = loadgen.run_load(spec, self.wrk)
        stored = self._drain(first_id)
        window = time.monotonic() - window0
        app1, db1, busy1 = procstat.tree_cpu(self.srv.pid), self.db.server_cpu(), procstat.machine_busy()
        ours = (app1 - app0) + (db1 - db0) + result.loadgen_cpu
        per = 1000 / stored if stored else 0.0
        return {
            "items": items,
            "connections": connections,
            "think_ms": round(think_ms, 3),
            "tool": result.tool,
            "valid": result.valid and stored >= result.created,
            "orders_per_s": result.created_per_s,
            "created_201": result.created,
            "stored": stored,
            "non_201": result.non_201,
            "non_201_statuses": result.non_201_statuses,
            "socket_errors": result.socket_errors,
            "sample_error": result.sample,
            "duration_s": result.duration,
            "latency_ms": result.latency_ms,
            "app_cpu_ms_per_order": (app1 - app0) * per,
            "db_cpu_ms_per_order": (db1 - db0) * per,
            "loadgen_cpu_ms_per_order": result.loadgen_cpu * per,
            "others_cpu_percent": 100 * max(0.0, (busy1 - busy0) - ours) / (window * os.cpu_count()),
            "load_average_before": load_avg,
        }

    def _drain(self, first_id: int) -> int:
        """Wait until the requests still queued when wrk stopped are done; orders stored since.

        The server keeps working through requests sent before wrk closed its connections: they
        belong to this run (CPU per order counts them), not to the next one.
        """
        deadline = time.monotonic() + DRAIN_TIMEOUT_S
        stored = self.db.orders_since(first_id)
        while time.monotonic() < deadline:
            time.sleep(0.3)
            now = self.db.orders_since(first_id)
            if now == stored:
                break
            stored = now
        return stored

    def baseline(self, items: int, connections: int) -> dict:
        template = self.templates[items]
        self._seq += 1
        prefix = f"B{self.run_id}-{self._seq}"
        if isinstance(self.db, PostgresDB):
            result = self.db.run_baseline(
                self.db.baseline_script(template, prefix), connections, self.config.baseline_duration
            )
        else:
            result = self.db.run_baseline(template, prefix, self.config.baseline_duration)
        per = 1000 / result["orders"] if result["orders"] else 0.0
        result.update(
            items=items,
            connections=connections,
            db_cpu_ms_per_order=result.pop("db_cpu_s") * per,
            loadgen_cpu_ms_per_order=result.pop("loadgen_cpu_s") * per,
        )
        return result

    def matrix(self) -> list[dict]:
        rows = []
        for items in self.config.items:
            sqlite_base = None if isinstance(self.db, PostgresDB) else self.baseline(items, 1)
            for connections in self.config.connections:
                base = sqlite_base or self.baseline(items, connections)
                app = self.measure(items, connections)
                rows.append({"app": app, "baseline": base, "ratio": report.ratios(app, base)})
                report.progress(self.db.kind, rows[-1])
        return rows

    def latency_at_fraction_of_peak(
        self, rows: list[dict], items: int = LATENCY_ITEMS, products: int = 3
    ) -> dict | None:
        """p50/p90/p99 at ~80 % of the peak rate: closed loop with exponential think time.

        wrk has no fixed-rate mode; with think time t, each connection's cycle is t + latency, so
        t is calibrated by short runs (`loadgen.think_for_rate`) until the rate is within 5 % of
        the target; the run reports the fraction of the peak it reached.
        """
        runs = [r["app"] for r in rows if r["app"]["items"] == items and r["app"]["valid"]]
        if not runs:
            return None
        peak = max(runs, key=lambda r: r["orders_per_s"])
        target = PEAK_FRACTION * peak["orders_per_s"]
        # The fewest connections that carried the target rate with no think time: some think time
        # t >= 0 brings their rate down to it. More connections than needed would add only the
        # wait of clients queued behind the busy workers (the 64-connection rows show that wait).
        base = min((r for r in runs if r["orders_per_s"] >= target), key=lambda r: r["connections"])
        connections = base["connections"]
        cycle = connections * 1000 / target  # ms per request and connection at the target rate
        think = loadgen.think_for_rate(
            lambda think_ms: self.measure(
                items, connections, duration=2, think_ms=think_ms, products=products
            )["orders_per_s"],
            target=target,
            think_ms=max(0.0, cycle - base["latency_ms"]["mean"] * PEAK_FRACTION),
            connections=connections,
        )
        result = self.measure(items, connections, think_ms=think, products=products)
        result["peak_orders_per_s"] = peak["orders_per_s"]
        result["fraction_of_peak"] = result["orders_per_s"] / peak["orders_per_s"]
        return result

    def server_profile(self) -> dict | None:
        """py-spy CPU profile of the workers during one run (not timed: sampling costs CPU)."""
        spec = self._spec(LATENCY_ITEMS, GROWTH_CONNECTIONS, self.config.duration)
        return spy.profile(self.srv.pid, spec.duration, lambda: loadgen.run_load(spec, self.wrk))


def statements_per_order(
    db: PostgresDB, srv: server.Server, token: str, run_id: str, items_list: list[int]
) -> dict:
    """Statements PostgreSQL receives per create request (BEGIN/COMMIT/health check included).

    Several requests each (the API key cache is per worker); the minimum is the steady state.
    """
    out = {}
    for items in items_list:
        for i in range(6):
            server.post_order(srv, token, f"S{run_id}-warm-{items}-{i}", items)
        counts, sample = [], []
        for i in range(4):
            with db.statement_log() as statements:
                status, _ = server.post_order(srv, token, f"S{run_id}-{items}-{i}", items)
            if status != 201:
                raise RuntimeError(f"statement count: create answered {status}")
            counts.append(len(statements))
            if not sample or len(statements) < len(sample):
                sample = [s[:160] for s in statements]
        out[str(items)] = {"min": min(counts), "max": max(counts), "statements": sample}
    return out


def run_growth(kind: str, db, bench: Bench, env: dict[str, str]) -> dict:
    """Throughput with ~0 and with 1,000,000 stored orders, measured in alternation.

    A second database of the same kind is filled and served by a second gunicorn; runs then
    alternate between the two (small, big, small, big...), so the machine's slow drifts in load
    fall on both sides, and the ratio of the medians is compared.
    """
    config = bench.config
    with db.sibling("oms_big") as big:
        big_env = {**env, "DATABASE_URL": big.url}
        report.log(f"{kind}: cost growth: second database, filling {config.growth_orders:,} orders")
        token = server.prepare(big_env)
        with server.gunicorn(big_env, Path(env["OMS_VAR_DIR"]) / "gunicorn-big.log") as srv:
            big_bench = Bench(config, bench.wrk, bench.run_id + "g", big, srv, token)
            template = server.create_template(srv, token, FILL_ITEMS, bench.run_id)
            fill_s = big.fill(template, config.growth_orders)
            stored = {"small": bench.db.orders_since(0), "big": big.orders_since(0)}
            report.log(
                f"{kind}: filled in {fill_s:.0f}s; alternating runs on ~0 and {stored['big']:,} orders"
            )
            runs: dict[str, list[dict]] = {"small": [], "big": []}
            for _ in range(GROWTH_PAIRS):
                runs["small"].append(bench.measure(GROWTH_ITEMS, GROWTH_CONNECTIONS))
                runs["big"].append(big_bench.measure(GROWTH_ITEMS, GROWTH_CONNECTIONS))
    return report.growth_summary(runs, stored, fill_s)


def helper(script: str, env: dict[str, str], *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, str(BENCH_DIR / script), *args],
        env={**env, "PYTHONPATH": str(BENCH_DIR)},
        cwd=server.ROOT,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{script} failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
    return json.loads(out.stdout)


def run_database(kind: str, config: Config, wrk: str | None, run_id: str) -> dict:
    db_class = PostgresDB if kind == "postgres" else SqliteDB
    with db_class.start() as db, tempfile.TemporaryDirectory(prefix="bench-var-") as var:
        env = {**os.environ, "DATABASE_URL": db.url, "OMS_VAR_DIR": var, "DEBUG": "0"}
        report.log(f"{kind}: migrate + demo")
        token = server.prepare(env)
        # The matrix is the create scenario without stock, as before stock was reserved; the
        # stock scenarios (bench/stock.py) measure reservations against it.
        server.oms(env, "channel", "set", "1", "stock_policy=ignore")
        section: dict = {"label": db.label, "version": db.version}
        with server.gunicorn(env, Path(var) / "gunicorn.log") as srv:
            bench = Bench(config, wrk, run_id, db, srv, token)
            bench.templates = {
                n: server.create_template(srv, token, n, run_id) for n in {*config.items, GROWTH_ITEMS}
            }
            section["server"] = {
                "processes": len(procstat.tree_pids(srv.pid)),
                "WEB_CONCURRENCY": env.get("WEB_CONCURRENCY", "(2 x cpu count)"),
                "GUNICORN_THREADS": env.get("GUNICORN_THREADS", "(default 1)"),
                "GUNICORN_WORKER_CLASS": env.get("GUNICORN_WORKER_CLASS", "(default sync)"),
            }
            section["queries_per_order"] = helper("queries.py", env, token, run_id, *map(str, config.items))
            if isinstance(db, PostgresDB):
                section["statements_per_order"] = statements_per_order(db, srv, token, run_id, config.items)
            report.log(f"{kind}: matrix (items {config.items} x connections {config.connections})")
            section["runs"] = bench.matrix()
            report.log(f"{kind}: latency at {PEAK_FRACTION:.0%} of the peak")
            section["latency_at_80pct_of_peak"] = bench.latency_at_fraction_of_peak(section["runs"])
            if config.stock:
                report.log(f"{kind}: stock scenarios (reserve; reject under contention) against no stock")
                section["stock"] = stock.run(bench, env)
            report.log(f"{kind}: py-spy CPU profile of the server under load")
            section["server_profile"] = bench.server_profile()
            if config.growth_orders:
                section["growth"] = run_growth(kind, db, bench, env)
        if config.profile_orders and kind in config.profile_databases:
            report.log(f"{kind}: pyinstrument profile ({config.profile_orders} orders, 3 items)")
            section["profile"] = helper(
                "profile_create.py", env, token, run_id, str(config.profile_orders), str(LATENCY_ITEMS)
            )
    return section


def main() -> int:
    if sys.argv[1:] == ["--table"]:  # print the table of the last run again
        results = json.loads((RESULTS / "latest.json").read_text())
        print(report.table(results))
        if "bulk" in results:
            print("\n" + bulk.table(results["bulk"]))
        return 0
    config = Config.from_env()
    RESULTS.mkdir(exist_ok=True)
    started = time.monotonic()
    run_id = time.strftime("%H%M%S") + secrets.token_hex(2)
    wrk = loadgen.ensure_wrk()
    if "postgres" in config.databases and not shutil.which("pgbench"):
        report.log("pgbench missing: install postgresql-client-15 (it comes with postgresql-15)")
        return 1
    results = {
        "meta": {
            "run_id": run_id,
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "git_commit": _git_commit(),
            "cpus": os.cpu_count(),
            "cpu_model": _cpu_model(),
            "python": platform.python_version(),
            "load_generator": loadgen.describe(wrk),
            "load_average_at_start": procstat.load_average(),
            "python_reference_us": _python_speed(),
            "config": config.__dict__,
            "note": report.NOTE,
        },
        "databases": {},
    }
    report.log(report.NOTE)
    try:
        for kind in config.databases:
            results["databases"][kind] = run_database(kind, config, wrk, run_id)
        if config.bulk and "postgres" in config.databases:
            report.log("bulk: 1,000 orders per call against the database's multi-row insert")
            results["bulk"] = bulk.run()
    finally:
        results["meta"]["seconds"] = round(time.monotonic() - started, 1)
        results["meta"]["python_reference_us_at_end"] = _python_speed()
        (RESULTS / "latest.json").write_text(json.dumps(results, indent=2, default=str))
    print(report.table(results))
    if "bulk" in results:
        print("\n" + bulk.table(results["bulk"]))
    report.log(f"wrote {RESULTS / 'latest.json'} in {results['meta']['seconds']:.0f}s")
    return 0 if report.all_valid(results) else 2


def _python_speed() -> dict[str, float]:
    """Microseconds for sum(range(1000)), best of 5, in CPU time (how fast a core is) and in
    wall time (how much of a core we get: more than CPU time when the machine is busy)."""

    def best(timer) -> float:
        runs = timeit.repeat("sum(range(1000))", number=2000, repeat=5, timer=timer)
        return round(min(runs) / 2000 * 1e6, 2)

    return {"cpu_us": best(time.process_time), "wall_us": best(time.perf_counter)}


def _git_commit() -> str:
    with contextlib.suppress(OSError):
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=server.ROOT
        )
        return out.stdout.strip()
    return ""


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


if __name__ == "__main__":
    sys.exit(main())
