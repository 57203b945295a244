"""Counting refused API requests into HourlyRefusal, a few writes per minute at most.

A refusal is counted in this process first and written with the others every
OMS_REFUSAL_FLUSH_SECONDS (at the end of the first refused request past that time): a client
sending refused requests as fast as it can (no key, bad bodies, past its rate limit) must not
make each of them a database write. The cost: a worker that dies loses its last unwritten
seconds of counts (Prometheus still has them).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection, transaction

from oms.observe.models import HourlyRefusal

log = logging.getLogger(__name__)

Key = tuple[datetime, str, str, int, str]

_pending: Counter[Key] = Counter()
_lock = threading.Lock()
_last_flush = time.monotonic()


def count_refusal(*, route: str, method: str, status: int, codes: tuple[str, ...]) -> None:
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    key = (hour, route[:200], method, status, ",".join(sorted(set(codes)))[:200])
    with _lock:
        _pending[key] += 1
        due = time.monotonic() - _last_flush >= settings.OMS_REFUSAL_FLUSH_SECONDS
    if due:
        flush_refusals()


def flush_refusals() -> None:
    """Write the counts kept so far (one upsert per distinct key); kept for the next flush if the
    database refuses."""
    global _last_flush
    with _lock:
        rows = list(_pending.items())
        _pending.clear()
        _last_flush = time.monotonic()
    if not rows:
        return
    table = connection.ops.quote_name(HourlyRefusal._meta.db_table)
    # Portable: SQLite (3.24+) and PostgreSQL both take ON CONFLICT ... DO UPDATE.
    sql = (
        f"INSERT INTO {table} (hour, route, method, status, codes, count) VALUES (%s, %s, %s, %s, %s, %s) "
        f"ON CONFLICT (hour, route, method, status, codes) DO UPDATE SET count = {table}.count + excluded.count"
    )
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            adapt = connection.ops.adapt_datetimefield_value
            cursor.executemany(sql, [(adapt(hour), *rest, n) for (hour, *rest), n in rows])
    except Exception as error:  # a database down: the answer goes out all the same
        log.warning("refusal counts not written (%s); kept for the next flush", type(error).__name__)
        with _lock:
            _pending.update(dict(rows))


def discard_pending_refusals() -> None:
    with _lock:
        _pending.clear()
