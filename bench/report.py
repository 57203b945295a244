"""The printed side of the benchmark: progress lines, ratios to the baseline, the final table."""

from __future__ import annotations

import os
import statistics
import sys

NOTE = (
    f"This machine has {os.cpu_count()} cores shared by the service, the database, the load "
    "generator and whatever else runs here (other engineers' test runs): absolute figures only "
    "illustrate; compare the ratios to the baseline measured in the same run. 'others' is the "
    "CPU used by processes outside the benchmark during a run, in % of the machine."
)
# The cost-growth run passes when the median throughput at 1,000,000 stored orders is at least
# this fraction of the median at ~0 stored orders (run-to-run noise here reaches 15 % and more).
GROWTH_TOLERANCE = 0.85


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def ratios(app: dict, base: dict) -> dict:
    app_cpu = app["app_cpu_ms_per_order"] + app["db_cpu_ms_per_order"]
    return {
        "throughput": app["orders_per_s"] / base["orders_per_s"] if base["orders_per_s"] else 0.0,
        "cpu_per_order": app_cpu / base["db_cpu_ms_per_order"] if base["db_cpu_ms_per_order"] else 0.0,
    }


def progress(kind: str, row: dict) -> None:
    app, base = row["app"], row["baseline"]
    flag = (
        "" if app["valid"] else f"  INVALID: non-201 {app['non_201_statuses']} errors {app['socket_errors']}"
    )
    log(
        f"{kind} items={app['items']:>2} c={app['connections']:>2}: "
        f"{app['orders_per_s']:7.1f} orders/s p99 {app['latency_ms']['p99']:7.1f} ms | "
        f"baseline {base['orders_per_s']:8.1f}/s | x{row['ratio']['throughput']:.3f}{flag}"
    )


def growth_summary(runs: dict[str, list[dict]], stored: dict[str, int], fill_seconds: float) -> dict:
    """Median throughput on each side, their ratio and the verdict."""

    def median(side: str) -> float:
        return statistics.median(r["orders_per_s"] for r in runs[side])

    ratio = median("big") / median("small") if median("small") else 0.0
    pair_ratios = [
        b["orders_per_s"] / s["orders_per_s"] if s["orders_per_s"] else 0.0
        for s, b in zip(runs["small"], runs["big"], strict=True)
    ]
    return {
        "items": runs["small"][0]["items"],
        "connections": runs["small"][0]["connections"],
        "stored_orders": stored,
        "fill_seconds": fill_seconds,
        "median_orders_per_s": {"small": median("small"), "big": median("big")},
        "pair_ratios": [
            b["orders_per_s"] / s["orders_per_s"] if s["orders_per_s"] else 0.0
            for s, b in zip(runs["small"], runs["big"], strict=True)
        ],
        "ratio": ratio,
        "tolerance": GROWTH_TOLERANCE,
        "verdict": _growth_verdict(ratio, pair_ratios),
        "runs": runs,
    }


def _growth_verdict(ratio: float, pair_ratios: list[float]) -> str:
    if ratio >= GROWTH_TOLERANCE:
        return "same within noise"
    if max(pair_ratios) >= 1.0:
        # One pair shows no slowdown at all: the noise is larger than the effect; run it again.
        return "inconclusive: the pairs disagree (noise); run again on a quieter machine"
    return f"SLOWER: every pair below 1.0, median below {GROWTH_TOLERANCE:.2f}"


def all_valid(results: dict) -> bool:
    for section in results["databases"].values():
        runs = [row["app"] for row in section.get("runs", [])]
        runs += [section[k] for k in ("latency_at_80pct_of_peak",) if section.get(k)]
        runs += [run for side in section.get("growth", {}).get("runs", {}).values() for run in side]
        runs += [run for side in section.get("stock", {}).get("runs", {}).values() for run in side]
        if any(not run["valid"] for run in runs):
            return False
        if any(row["baseline"].get("failed") for row in section.get("runs", [])):
            return False
    return True


def _ms(latency: dict) -> str:
    return f"{latency['p50']:7.1f} {latency['p90']:7.1f} {latency['p99']:7.1f}"


def _reference(meta: dict) -> str:
    start, end = meta["python_reference_us"], meta.get("python_reference_us_at_end") or {}
    return (
        f"Python reference loop (sum(range(1000))): {start['cpu_us']:.1f} us CPU, {start['wall_us']:.1f} us wall "
        f"at start; {end.get('cpu_us', 0):.1f} / {end.get('wall_us', 0):.1f} at end (wall >> CPU: the cores are shared)"
    )


def table(results: dict) -> str:
    meta = results["meta"]
    lines = [
        "",
        f"create_orders benchmark, run {meta['run_id']} (commit {meta['git_commit']}), "
        f"{meta['cpus']} CPUs ({meta['cpu_model']}), load generator: {meta['load_generator']}, "
        f"{meta['config']['duration']:g} s per run, {meta.get('seconds', 0):.0f} s in all, "
        f"load average at start {meta['load_average_at_start']:.1f}",
        _reference(meta),
        NOTE,
    ]
    for kind, section in results["databases"].items():
        lines += _section(kind, section)
    return "\n".join(lines)


def _section(kind: str, section: dict) -> list[str]:
    server = section.get("server", {})
    lines = [
        "",
        f"== {section['label']} {section['version']}; gunicorn: {server.get('processes', '?')} processes "
        f"(WEB_CONCURRENCY={server.get('WEB_CONCURRENCY')}, GUNICORN_THREADS={server.get('GUNICORN_THREADS')}, "
        f"GUNICORN_WORKER_CLASS={server.get('GUNICORN_WORKER_CLASS')})",
        "items conns |  service orders/s     p50     p90     p99 ms  cpu app+db ms/order | "
        "baseline orders/s     p50     p90     p99 ms  cpu ms/order |  x rate   x cpu | others  ok",
    ]
    for row in section.get("runs", []):
        app, base, ratio = row["app"], row["baseline"], row["ratio"]
        lines.append(
            f"{app['items']:>5} {app['connections']:>5} | {app['orders_per_s']:17.1f} {_ms(app['latency_ms'])}"
            f"  {app['app_cpu_ms_per_order']:7.2f}+{app['db_cpu_ms_per_order']:<6.2f}       | "
            f"{base['orders_per_s']:17.1f} {_ms(base['latency_ms'])}  {base['db_cpu_ms_per_order']:12.3f} | "
            f"{ratio['throughput']:7.3f} {ratio['cpu_per_order']:7.1f} | {app['others_cpu_percent']:5.0f}%  "
            f"{'yes' if app['valid'] else 'NO: ' + str(app['non_201_statuses'])}"
        )
    base_tool = section["runs"][0]["baseline"]["tool"] if section.get("runs") else "-"
    lines.append(
        f"baseline: {base_tool}; x rate = service/baseline orders/s; x cpu = service/baseline CPU per order"
    )
    queries = section.get("queries_per_order", {})
    if queries:
        lines.append(
            "queries per order (Django, warm key cache): "
            + ", ".join(f"{n} items: {q['queries']}" for n, q in queries.items())
        )
    statements = section.get("statements_per_order", {})
    if statements:
        lines.append(
            "statements per order received by PostgreSQL (incl. BEGIN/COMMIT/health check): "
            + ", ".join(
                f"{n} items: {s['min']}" + (f"-{s['max']}" if s["max"] != s["min"] else "")
                for n, s in statements.items()
            )
        )
    at80 = section.get("latency_at_80pct_of_peak")
    if at80:
        lines.append(
            f"latency at 80 % of peak ({at80['items']} items; peak {at80['peak_orders_per_s']:.1f} orders/s): "
            f"{at80['orders_per_s']:.1f} orders/s ({at80['fraction_of_peak']:.0%} of peak, {at80['connections']} conns, "
            f"think {at80['think_ms']:.1f} ms): p50 {at80['latency_ms']['p50']:.1f}, p90 {at80['latency_ms']['p90']:.1f}, "
            f"p99 {at80['latency_ms']['p99']:.1f} ms{'' if at80['valid'] else ' INVALID'}"
        )
    growth = section.get("growth")
    if growth:
        medians = growth["median_orders_per_s"]
        lines.append(
            f"cost growth ({growth['items']} items, {growth['connections']} conns, {len(growth['pair_ratios'])} alternating "
            f"pairs): median {medians['small']:.1f} orders/s with {growth['stored_orders']['small']:,} stored, "
            f"{medians['big']:.1f} with {growth['stored_orders']['big']:,} (filled in {growth['fill_seconds']:.0f} s): "
            f"ratio {growth['ratio']:.2f} (pairs {', '.join(f'{r:.2f}' for r in growth['pair_ratios'])}) -> "
            + growth["verdict"]
        )
    profile = section.get("profile")
    if profile:
        lines.append(
            f"one thread, no load ({profile['unprofiled_orders']} orders x {profile['items']} items into the WSGI app): "
            f"{profile['unprofiled_cpu_ms_per_order']:.2f} ms CPU, {profile['unprofiled_wall_ms_per_order']:.2f} ms wall "
            f"per order; {profile['orders']} more under pyinstrument: {profile['wall_ms_per_order']:.2f} ms per order, "
            "top by own (wall) time:"
        )
        for entry in profile["top_own"]:
            lines.append(
                f"  {entry['ms_per_order']:8.3f} ms {entry['percent']:5.1f}%  {entry['function']}  {entry['where']}"
            )
    server_profile = section.get("server_profile")
    if server_profile and "top_own" in server_profile:
        lines.append(
            f"server profile (py-spy --gil on the gunicorn workers, {server_profile['orders']} orders x 3 items "
            f"under load; share of the samples holding the GIL), top by own time:"
        )
        for entry in server_profile["top_own"]:
            lines.append(f"  {entry['percent']:5.1f}%  {entry['function']}")
        lines.append("  oms functions, inclusive:")
        for entry in server_profile["top_inclusive_oms"][:10]:
            lines.append(f"  {entry['percent']:5.1f}%  {entry['function']}")
    elif server_profile:
        lines.append(f"server CPU profile skipped: {server_profile['error']}")
    return lines
