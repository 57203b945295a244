"""Driving POST create_orders: Debian's wrk with bench/create_orders.lua, else a Python fallback.

wrk costs little CPU (C, epoll), which matters on a 2-core machine where the load generator
competes with the server. When wrk cannot be installed, a multi-process Python generator does
the same job; it costs far more CPU, so its figures are pessimistic and labelled as such.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import procstat
import pyload
from loadspec import PYTHON_FALLBACK, TIMEOUT_S, LoadResult, LoadSpec

__all__ = ["LoadResult", "LoadSpec", "describe", "ensure_wrk", "run_load"]

LUA_SCRIPT = Path(__file__).resolve().parent / "create_orders.lua"
WRK = "wrk"


def think_for_rate(
    trial: Callable[[float], float], *, target: float, think_ms: float, connections: int
) -> float:
    """The think time (ms per request and connection, closed loop) at which `trial` (a short run
    at a think time: its orders/s) comes within 5 % of `target` orders/s, from `think_ms`, in at
    most 8 trials. Each corrects the cycle (think + latency) by what the last one showed, within
    bounds so that one noisy trial cannot send the next far off. Under lock contention latency
    falls steeply with the load, so a first guess from the full-load latency overshot: the
    contention scenario's '80 %' runs landed at 84-91 % of the peak with 10 % and 5 tries."""
    cycle = connections * 1000 / target
    for _ in range(8):
        rate = trial(think_ms)
        if rate <= 0 or abs(rate / target - 1) <= 0.05:
            break
        think_ms = min(2 * cycle, max(0.0, think_ms + cycle - connections * 1000 / rate))
    return think_ms


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def ensure_wrk() -> str | None:
    """The wrk binary, installing Debian's package when missing (we run as root); None if impossible."""
    if os.environ.get("BENCH_LOADGEN") == "python":
        log(f"BENCH_LOADGEN=python: using the {PYTHON_FALLBACK}")
        return None
    found = shutil.which(WRK)
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("wrk not found: installing Debian's wrk (apt-get update && apt-get install -y wrk)")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env, "check": False}
        subprocess.run(["apt-get", "update", "-qq"], **quiet)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], **quiet)
    found = shutil.which(WRK)
    if not found:
        log(f"wrk unavailable: using the {PYTHON_FALLBACK}")
    return found


def describe(wrk: str | None) -> str:
    if not wrk:
        return PYTHON_FALLBACK
    out = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
    return (
        (out.stdout or out.stderr).splitlines()[0].split(" Copyright")[0]
        if (out.stdout or out.stderr)
        else wrk
    )


def run_load(spec: LoadSpec, wrk: str | None) -> LoadResult:
    before = procstat.children_cpu()
    result = _run_wrk(spec, wrk) if wrk else pyload.run(spec)
    result.loadgen_cpu = procstat.children_cpu() - before
    return result


def _run_wrk(spec: LoadSpec, wrk: str) -> LoadResult:
    env = {
        **os.environ,
        "BENCH_TOKEN": spec.token,
        "BENCH_RUN_ID": spec.run_id,
        "BENCH_ITEMS": str(spec.items),
        "BENCH_THINK_MS": f"{spec.think_ms:.3f}",
        "BENCH_PRODUCTS": str(spec.products),
        "BENCH_SPREAD": "1" if spec.spread else "0",
    }
    threads = min(2, spec.connections)
    env["BENCH_THREAD_RATE"] = f"{spec.rate / threads:.3f}"
    cmd = [
        wrk,
        f"-t{threads}",
        f"-c{spec.connections}",
        f"-d{spec.duration}s",
        f"--timeout={TIMEOUT_S}s",
        "-s",
        str(LUA_SCRIPT),
        spec.base_url,
    ]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    data = json.loads(line.removeprefix("BENCH_RESULT "))
    return LoadResult(
        tool=WRK,
        duration=data["duration_us"] / 1e6,
        requests=data["requests"],
        created=data["created"],
        non_201=data["non_201"],
        non_201_statuses=data["non_201_statuses"],
        socket_errors={k: v for k, v in data["errors"].items() if k != "status"},
        latency_ms={k: v / 1000 for k, v in data["latency_us"].items()},
        sample=data["sample"],
    )
