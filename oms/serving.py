"""The app server `oms serve` runs: granian (WSGI, its HTTP in Rust), or gunicorn with OMS_SERVER=gunicorn.

Why granian (docs/scaling.md, *The app server*): behind nginx it made the most orders/s at the
least CPU per order, and with no proxy in front it reads request heads on its Rust event loop, so
clients that send their headers slowly hold no Python thread (50 of them held every gunicorn
thread). What it does not do, and where oms/core/bodies.py or nginx steps in:
- it reads no body before calling the app (the app's reads stream from the connection) and has
  no timeout on a body that stops arriving (granian issue 728, "wontfix"): a read waits until the
  client sends or goes, and cannot be given up (granian takes the body's lock again, GIL held,
  once the app returns). nginx (deploy/) reads bodies whole first, so production never meets a
  stalled body; `oms serve` alone does, and there the body layer times out a body sent without a
  key (read on a thread of its own; 408, then the connection reset, which ends the read) and lets
  at most OMS_UNKEYED_BODY_READERS threads of a process wait on such bodies (503 beyond), so GETs
  and keyed requests keep the others. A keyed body has no bound under granian. Under gunicorn
  the body layer bounds every body's reads (408).
- a malformed chunked framing ends the body where it breaks (granian drops the error), and the
  app judges the bytes before it: an empty or cut JSON document is a 400.
- its own refusals (400 malformed request, 414 URL past 64 KiB, 431 past 100 headers) have empty
  bodies: granian has no hook to give them ours (nginx in front does: deploy/nginx/oms.conf).
- it starts each WSGI environ from a copy of the process environment (PEP 3333 allows it), so
  request.META held DATABASE_URL and the rest, and a variable named like a header read as one:
  oms/core/environ.py drops them again before anything reads the environ.

Environment: HOST, PORT, WEB_CONCURRENCY (processes, default the CPU count), WEB_THREADS (Python
threads per process, default 4; OMS_UNKEYED_BODY_READERS defaults to half of them),
OMS_HEADER_READ_TIMEOUT_SECONDS (10, as nginx's client_header_timeout in deploy/), LOG_LEVEL,
PROMETHEUS_MULTIPROC_DIR.

`python -m oms.serving` serves; `oms serve` execs it, so the process systemd watches is granian's
main process, which on SIGTERM stops accepting, lets in-flight requests finish and exits.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sys
import tempfile
from pathlib import Path

from oms.core.envvars import BadEnvironmentValue, env_float, env_int

APP = "oms.wsgi:application"
# A worker that refuses to stop (a request stuck on its database) is killed after this long:
# below systemd's TimeoutStopSec (deploy/systemd/oms@.service), so the unit stops cleanly.
WORKERS_KILL_TIMEOUT_SECONDS = 20

_made_metrics_dir: list[str] = []


def prepare_metrics_dir() -> None:
    """Prometheus metrics (oms/observe/metrics.py): each worker writes its values to files in
    PROMETHEUS_MULTIPROC_DIR and GET /metrics adds them up. Set before any worker starts (they
    inherit it); a directory made here is removed by `remove_made_metrics_dir`."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not path:
        path = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="oms-metrics-")
        _made_metrics_dir.append(path)
    # A previous server's files would add its counts to ours (and a reused pid collides).
    for stale in Path(path).glob("*.db"):
        stale.unlink()


def remove_made_metrics_dir() -> None:
    for path in _made_metrics_dir:
        shutil.rmtree(path, ignore_errors=True)


def granian_server():
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels
    from granian.server import Server

    server = Server(
        APP,
        address=os.environ.get("HOST", "127.0.0.1"),
        port=env_int("PORT", 8000),
        interface=Interfaces.WSGI,
        workers=env_int("WEB_CONCURRENCY", multiprocessing.cpu_count(), minimum=1),
        # Measured (make bench-servers): 4 threads per process overlap the database waits.
        blocking_threads=env_int("WEB_THREADS", 4, minimum=1),
        websockets=False,
        http1_settings=HTTP1Settings(
            # A request head must arrive whole within this; slow ones wait on the event loop.
            header_read_timeout=int(env_float("OMS_HEADER_READ_TIMEOUT_SECONDS", 10) * 1000),
            keep_alive=True,  # nginx keeps its upstream connections (deploy/nginx/oms.conf)
        ),
        log_level=LogLevels(os.environ.get("LOG_LEVEL", "info").lower()),
        # A worker killed (SIGKILL, out of memory) is replaced; one that dies again within 5.5 s
        # of its replacement makes granian exit, and systemd restarts the whole unit.
        respawn_failed_workers=True,
        workers_kill_timeout=WORKERS_KILL_TIMEOUT_SECONDS,
    )
    server.on_startup(prepare_metrics_dir)
    server.on_shutdown(remove_made_metrics_dir)
    return server


if __name__ == "__main__":
    try:
        server = granian_server()
    except BadEnvironmentValue as bad:
        sys.exit(f"oms serve: {bad}")
    server.serve()
