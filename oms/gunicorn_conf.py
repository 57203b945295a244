"""gunicorn configuration shared by `oms serve` and the benchmarks (environment overrides)."""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# Sync work is CPU-bound Python: one process per core, a few threads each to overlap database waits.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# gthread by default; GUNICORN_WORKER_CLASS=sync (one request per process) is there to compare.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 10
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
wsgi_app = "oms.wsgi:application"
# gunicorn 27's control socket lives at one path per user: two servers on a machine would share it.
control_socket_disable = True
