"""Profile of the create path under pyinstrument: N orders posted to the WSGI application.

The requests go to oms.wsgi.application, the callable gunicorn serves, with a WSGI environ like
gunicorn's: the whole Django request cycle runs (middleware, request_started/finished signals,
connection handling), only gunicorn's HTTP parsing is left out. The first requests warm up
imports and caches and are not profiled.

Run by bench/run.py with DATABASE_URL set:
`python bench/profile_create.py TOKEN RUN_ID ORDERS ITEMS`; prints JSON with the top entries by
own time and by inclusive time (per function, summed over the call tree), after 50 orders
unprofiled (CPU and wall time per order in one thread).
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
from collections import defaultdict

from pyload import order_body

WARMUP = 5
UNPROFILED = 50
TOP = 15


def _environ(body: bytes, token: str) -> dict:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/v1/channel/1/create_orders/",
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_AUTHORIZATION": f"Token {token}",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def _post(app, body: bytes, token: str) -> str:
    status = []
    result = app(_environ(body, token), lambda s, headers, exc_info=None: status.append(s))
    try:
        b"".join(result)
    finally:
        if hasattr(result, "close"):  # Django's answers: fires request_finished, as gunicorn does
            result.close()
    return status[0]


def _aggregate(root) -> tuple[dict, dict]:
    """Own and inclusive seconds per function (inclusive counted once under recursion)."""
    own: dict[tuple, float] = defaultdict(float)
    inclusive: dict[tuple, float] = defaultdict(float)

    def walk(frame, active: frozenset) -> None:
        if frame.is_synthetic:
            return
        key = (frame.function, frame.file_path_short, frame.line_no)
        own[key] += frame.total_self_time
        if key not in active:
            inclusive[key] += frame.time
        for child in frame.children:
            walk(child, active | {key})

    walk(root, frozenset())
    return own, inclusive


def _top(table: dict, orders: int, total: float, project_only: bool = False) -> list[dict]:
    rows = [(key, seconds) for key, seconds in table.items() if not project_only or _is_project(key[1])]
    ranked = sorted(rows, key=lambda kv: kv[1], reverse=True)[:TOP]
    return [
        {
            "function": function,
            "where": f"{path}:{line}",
            "ms_per_order": round(seconds / orders * 1000, 4),
            "percent": round(100 * seconds / total, 1),
        }
        for (function, path, line), seconds in ranked
    ]


def _is_project(path: str) -> bool:
    return "site-packages" not in path and (path.startswith("oms/") or "/oms/" in path)


def main(token: str, run_id: str, orders: int, items: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")
    from pyinstrument import Profiler

    from oms.wsgi import application

    for i in range(WARMUP):
        status = _post(application, order_body(f"P-{run_id}-w{i}", items), token)
        if not status.startswith("201"):
            raise SystemExit(f"profile: expected 201, got {status}")
    # Requests without the profiler: CPU and wall time per order in one thread, with no
    # concurrency, the least noisy figure of the create path's own cost.
    plain = [order_body(f"P-{run_id}-plain-{i}", items) for i in range(UNPROFILED)]
    cpu0, wall0 = time.process_time(), time.perf_counter()
    plain_statuses = [_post(application, body, token) for body in plain]
    cpu_ms = (time.process_time() - cpu0) / UNPROFILED * 1000
    wall_ms = (time.perf_counter() - wall0) / UNPROFILED * 1000
    if any(not s.startswith("201") for s in plain_statuses):
        raise SystemExit(f"profile: non-201 answers: {sorted(set(plain_statuses))}")
    bodies = [order_body(f"P-{run_id}-{i}", items) for i in range(orders)]
    profiler = Profiler(interval=0.001)
    profiler.start()
    statuses = [_post(application, body, token) for body in bodies]
    session = profiler.stop()
    if any(not s.startswith("201") for s in statuses):
        raise SystemExit(f"profile: non-201 answers: {sorted(set(statuses))}")
    root = session.root_frame()
    own, inclusive = _aggregate(root)
    total = root.time
    return {
        "orders": orders,
        "items": items,
        "unprofiled_orders": UNPROFILED,
        "unprofiled_cpu_ms_per_order": round(cpu_ms, 3),
        "unprofiled_wall_ms_per_order": round(wall_ms, 3),
        "wall_ms_per_order": round(session.duration / orders * 1000, 3),
        "sampled_ms_per_order": round(total / orders * 1000, 3),
        "top_own": _top(own, orders, total),
        "top_inclusive_oms": _top(inclusive, orders, total, project_only=True),
        "tree": profiler.output_text(unicode=True, color=False, show_all=False),
    }


if __name__ == "__main__":
    token, run_id, orders, items = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    print(json.dumps(main(token, run_id, orders, items)))
