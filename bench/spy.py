"""Python CPU profile of the running server under load: py-spy samples gunicorn's workers while
wrk drives create_orders, keeping only samples of threads holding the GIL (--gil), so waits on
sockets and the database drop out and what remains is where the workers' Python CPU goes;
pyinstrument's profile (profile_create.py) shows one thread's wall time instead.
Skipped when py-spy is not installed or cannot attach (it needs ptrace).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from loadspec import LoadResult

RATE_HZ = 200
TOP = 15
_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>.*?)(?::(?P<line>\d+))?\)$")


def find_py_spy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def profile(pid: int, duration: int, drive: Callable[[], LoadResult]) -> dict | None:
    """Sample process `pid` and its children while `drive()` runs load."""
    py_spy = find_py_spy()
    if not py_spy:
        return None
    with tempfile.TemporaryDirectory(prefix="bench-spy-") as work:
        out = Path(work) / "stacks.txt"
        cmd = [py_spy, "record", "--pid", str(pid), "--subprocesses", "--nonblocking", "--gil"]
        cmd += ["--format", "raw"]
        cmd += ["--rate", str(RATE_HZ), "--duration", str(duration + 1), "--output", str(out)]
        spy = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        load = drive()
        log = spy.communicate(timeout=duration + 30)[0]
        if spy.returncode != 0 or not out.exists():
            return {"error": f"py-spy failed ({spy.returncode}): {log[-500:]}"}
        if not load.valid:
            return {
                "error": f"the load run was not valid: non-201 {load.non_201_statuses}, {load.socket_errors}"
            }
        return summarise(out.read_text(), load.created)


def summarise(raw: str, orders: int) -> dict:
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [_name(f) for f in stack.split(";") if not f.startswith("process ")]
        if not frames:
            continue
        samples = int(count)
        total += samples
        own[frames[-1]] += samples
        for name in set(frames):
            if _is_project(name):
                inclusive[name] += samples
    per_order = 1000 / RATE_HZ / orders if orders else 0.0

    def top(counter: Counter[str]) -> list[dict]:
        return [
            {
                "function": name,
                "cpu_ms_per_order": round(n * per_order, 4),
                "percent": round(100 * n / total, 1),
            }
            for name, n in counter.most_common(TOP)
        ]

    return {
        "samples": total,
        "rate_hz": RATE_HZ,
        "orders": orders,
        # GIL-held time, not CPU: a thread preempted by another process keeps the GIL.
        "gil_ms_per_order": round(total * per_order, 3),
        "top_own": top(own),
        "top_inclusive_oms": top(inclusive),
    }


def _name(frame: str) -> str:
    """`function (path:line)` without the line, so a function's samples add up."""
    match = _FRAME.match(frame)
    if not match:
        return frame
    path = match["file"]
    for marker in ("site-packages/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{match['function']} ({path})"


def _is_project(name: str) -> bool:
    return "(oms/" in name or "/oms/" in name
