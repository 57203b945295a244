"""gunicorn configuration of `OMS_SERVER=gunicorn oms serve` (environment overrides); granian, what
`oms serve` runs by default, is configured in oms/serving.py."""

import multiprocessing
import os

from prometheus_client import multiprocess

from oms.core.envvars import env_int
from oms.serving import prepare_metrics_dir, remove_made_metrics_dir

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{env_int('PORT', 8000)}"
# One request at a time per process, 2 x cores processes to overlap database waits. Measured by
# `make bench`-style A/B runs (2 cores, 3 items, 16 connections): sync workers give the same
# throughput as gthread (2 x 4 threads) on PostgreSQL with half the p99, and nearly twice it on
# SQLite, where threads fight over the GIL and the write lock; 2 x cores gave 912 orders/s against
# 825 for gunicorn's usual 2 x cores + 1 on PostgreSQL (877 against 841 on SQLite): one process
# fewer to switch between on cores the database and the clients share. Sync workers close each
# connection after its answer and a slow client holds one: serve behind a buffering proxy (nginx),
# as in production. GUNICORN_THREADS > 1 makes gunicorn use gthread workers, as before.
workers = env_int("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count(), minimum=1)
threads = env_int("GUNICORN_THREADS", 1, minimum=1)
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
timeout = env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = 10
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
wsgi_app = "oms.wsgi:application"
# gunicorn sets the scheme from X-Forwarded-Proto for these peers (127.0.0.1 unless told): the
# same proxies oms believes (oms/core/proxy.py), and none when there are none.
forwarded_allow_ips = os.environ.get("OMS_TRUSTED_PROXIES", "")
# gunicorn 27's control socket lives at one path per user: two servers on a machine would share it.
control_socket_disable = True


def on_starting(server):
    prepare_metrics_dir()


def post_worker_init(worker):
    # gunicorn's parser: a chunk larger than any body is refused on its size line. Imported here,
    # in the worker, once the application has set Django up (the master never does).
    from oms.core.bodies import bound_chunk_sizes

    bound_chunk_sizes()


def child_exit(server, worker):
    # A dead worker's counters stay (they are counts so far); its live gauges are dropped.
    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    remove_made_metrics_dir()
