"""Fan-out and delivery: what `oms worker` does in a loop.

Fan-out turns outbox events, in commit order, into a Delivery per matching subscription (one
worker at a time: it holds the cursor row's lock). Delivery claims due deliveries under a lease
(SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite's writers take turns), so several
workers share the work; a worker killed mid-delivery loses its lease and the delivery is made
again, with the same webhook-id. A subscription gets one subject's events one at a time and in
order: a delivery waits while an earlier one of its subject is pending. A claim therefore holds
different subjects only, and its deliveries go out at once, from a few threads each keeping its
connections open; their outcomes are recorded in one statement.
"""

from __future__ import annotations

import http.client
import logging
import random
import socket
import ssl
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from standardwebhooks import Webhook as Signer

from oms.core.render import dumps, wire_datetime
from oms.events.models import Delivery, DeliveryStatus, Event, EventType, FanoutCursor, Webhook
from oms.events.safety import UnsafeURL, check_url
from oms.events.services import Cursor, committed_events
from oms.observe.logs import FIELDS

log = logging.getLogger(__name__)

FANOUT_BATCH = 500


def fan_out(*, batch: int = FANOUT_BATCH) -> int:
    """Deliveries for the next events in commit order of every channel that has an active
    subscription; the number of events read. Channels without one are never read."""
    channels = set(Webhook.objects.filter(is_active=True).values_list("channel_id", flat=True))
    return sum(_fan_out_channel(channel_id, batch) for channel_id in sorted(channels))


def _fan_out_channel(channel_id: int, batch: int) -> int:
    with transaction.atomic():
        cursor_row = _locked(FanoutCursor.objects.filter(channel_id=channel_id)).first()
        if cursor_row is None:
            if FanoutCursor.objects.filter(channel_id=channel_id).exists():
                return 0  # another worker is fanning this channel out
            cursor_row = FanoutCursor.objects.create(
                channel_id=channel_id
            )  # create_webhook makes it, normally
        after = Cursor(cursor_row.tx, cursor_row.event_id)
        # Without the data: a delivery needs the event's place and kind, and the data of an order
        # event is several KiB of JSON to decode.
        events = list(committed_events(after, channel_id=channel_id).defer("data", "request_id")[:batch])
        if not events:
            return 0
        hooks = list(Webhook.objects.filter(is_active=True, channel_id=channel_id))
        now = timezone.now()
        Delivery.objects.bulk_create(
            [
                Delivery(event=event, webhook=webhook, subject=event.subject, next_attempt_at=now)
                for event in events
                for webhook in hooks
                if event.occurred_at >= webhook.created_date
                and (
                    event.target_id == webhook.pk
                    if event.type == EventType.PING
                    else webhook.wants(event.type)
                )
            ]
        )
        cursor_row.tx, cursor_row.event_id = events[-1].tx, events[-1].pk
        cursor_row.save(update_fields=["tx", "event_id"])
    return len(events)


def _locked(queryset):
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset  # SQLite: the transaction's write lock serialises claimers


def claim(*, batch: int, now: datetime | None = None) -> list[Delivery]:
    """Due deliveries of active subscriptions, leased to this worker, with their events and
    subscriptions; at most one per (subscription, subject), the earliest pending one. The scan
    follows delivery_due_idx in claim order and stops at `batch` rows, whatever the backlog."""
    now = now or timezone.now()
    earliest = (
        Delivery.objects.filter(
            status=DeliveryStatus.PENDING, webhook=OuterRef("webhook"), subject=OuterRef("subject")
        )
        .order_by("id")
        .values("id")[:1]
    )
    due = (
        Delivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now, webhook__is_active=True
        )
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .filter(id=Subquery(earliest))
        .select_related("event", "webhook")
        .order_by("next_attempt_at", "id")
    )
    # Long enough to try every claimed delivery once, each up to its timeout.
    lease = timedelta(seconds=(settings.OMS_WEBHOOK_TIMEOUT_SECONDS + 1) * batch + 1)
    with transaction.atomic():
        claimed = list(_locked(due)[:batch])
        if claimed:
            Delivery.objects.filter(pk__in=[d.pk for d in claimed]).update(locked_until=now + lease)
    return claimed


# --- one delivery ---------------------------------------------------------------------------------


def body_of(event: Event) -> bytes:
    """The JSON a subscriber receives: the same bytes on every attempt."""
    return dumps(
        {
            "id": event.wire_id,
            "type": event.type,
            "channel": event.channel_id,
            "occurred_at": wire_datetime(event.occurred_at),
            "data": event.wire_data,
        }
    )


def signed_headers(webhook: Webhook, event: Event, body: bytes, now: datetime) -> dict[str, str]:
    """Standard Webhooks headers; during a rotation both secrets sign (space-separated)."""
    secrets = [webhook.secret]
    if (
        webhook.previous_secret
        and webhook.previous_secret_expires_at
        and webhook.previous_secret_expires_at > now
    ):
        secrets.append(webhook.previous_secret)
    return {
        "webhook-id": event.wire_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": " ".join(Signer(s).sign(event.wire_id, now, body) for s in secrets),
        "Content-Type": "application/json",
        "User-Agent": "oms-webhooks/1",
    }


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status: int | None
    error: str
    latency_ms: int


def post(url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    """POST once: a 2xx within the timeout is a delivery. Redirects are not followed, at most
    OMS_WEBHOOK_MAX_RESPONSE_BYTES of the answer are read, and the connection goes to the
    address the safety check resolved. The connection is kept open for this thread's next
    delivery to the same address when the receiver allows it."""
    started = time.monotonic()
    timeout = settings.OMS_WEBHOOK_TIMEOUT_SECONDS

    def outcome(ok: bool, status: int | None, error: str) -> Outcome:
        return Outcome(ok, status, error[:255], int((time.monotonic() - started) * 1000))

    try:
        parts, addresses = check_url(url)
    except UnsafeURL as refused:
        return outcome(False, None, f"refused: {refused}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    key = (parts.scheme, parts.hostname, port, addresses[0], timeout)
    conn, reused = _kept.pop(key, None), True
    if conn is None:
        conn, reused = _connection(parts.scheme, parts.hostname, port, addresses[0], timeout), False
    try:
        try:
            response = _exchange(conn, target, body, headers)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            if not reused:
                raise
            # The receiver closed the idle connection we kept: once more on a new one.
            conn.close()
            conn = _connection(parts.scheme, parts.hostname, port, addresses[0], timeout)
            response = _exchange(conn, target, body, headers)
        if response.isclosed() and conn.sock is not None:  # answer read whole, connection open
            _kept.put(key, conn)
            conn = None
        elapsed = time.monotonic() - started
        if elapsed > timeout:
            return outcome(False, response.status, "timeout")
        if 300 <= response.status < 400:
            return outcome(False, response.status, "redirect not followed")
        return outcome(
            200 <= response.status < 300, response.status, "" if response.status < 300 else "not 2xx"
        )
    except TimeoutError:
        return outcome(False, None, "timeout")
    except (OSError, http.client.HTTPException, ssl.SSLError) as error:
        return outcome(False, None, f"{type(error).__name__}: {error}")
    finally:
        if conn is not None:
            conn.close()


def _exchange(
    conn: http.client.HTTPConnection, target: str, body: bytes, headers: dict[str, str]
) -> http.client.HTTPResponse:
    conn.request("POST", target, body=body, headers=headers)
    response = conn.getresponse()
    response.read(settings.OMS_WEBHOOK_MAX_RESPONSE_BYTES)
    return response


KEPT_PER_THREAD = 16


class _KeptConnections(threading.local):
    """Each delivery thread's open connections, one per address: a keep-alive connection saves
    a TCP (and TLS) handshake per delivery."""

    def __init__(self):
        self.open: dict[tuple, http.client.HTTPConnection] = {}

    def pop(self, key: tuple, default=None) -> http.client.HTTPConnection | None:
        return self.open.pop(key, default)

    def put(self, key: tuple, conn: http.client.HTTPConnection) -> None:
        # Past KEPT_PER_THREAD the least recently used is closed: a worker serving many
        # endpoints must not hold a socket per endpoint and thread.
        self.open[key] = conn
        while len(self.open) > KEPT_PER_THREAD:
            self.open.pop(next(iter(self.open))).close()


_kept = _KeptConnections()


def _connection(
    scheme: str, host: str, port: int, address: str, timeout: float
) -> http.client.HTTPConnection:
    if scheme == "https":
        return _PinnedHTTPS(host, port, address=address, timeout=timeout)
    return _PinnedHTTP(host, port, address=address, timeout=timeout)


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the address that was checked, not to whatever the name resolves to now."""

    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = _socket_to(self.address, self.port, self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self):
        sock = _socket_to(self.address, self.port, self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _socket_to(address: str, port: int, timeout: float) -> socket.socket:
    sock = socket.create_connection((address, port), timeout)
    # http.client writes a body past 2 KiB apart from the headers: with Nagle's algorithm on, a
    # kept connection then waits for the receiver's delayed ACK (40 ms) on every delivery.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


# --- after an attempt ------------------------------------------------------------------------------


def backoff(attempts: int) -> float:
    """Seconds before the next try after `attempts` failures: exponential, capped, with ±20 % jitter."""
    base = settings.OMS_WEBHOOK_BACKOFF_BASE_SECONDS * 2 ** min(attempts - 1, 30)
    return min(base, settings.OMS_WEBHOOK_BACKOFF_MAX_SECONDS) * random.uniform(0.8, 1.2)


def settle(delivery: Delivery, outcome: Outcome, *, now: datetime | None = None) -> None:
    """`settle_all` of one attempt."""
    settle_all([(delivery, outcome)], now=now)


def settle_all(attempts: Sequence[tuple[Delivery, Outcome]], *, now: datetime | None = None) -> None:
    """Record attempts, in one transaction: each delivered; or retried later; or failed once
    retries have run for OMS_WEBHOOK_RETRY_SECONDS. An endpoint failing for
    OMS_WEBHOOK_DISABLE_AFTER_SECONDS is disabled. A delivery no longer pending (another worker
    made it after this one's lease ran out) is left as it is."""
    now = now or timezone.now()
    rows = []
    for delivery, outcome in attempts:
        fields = _after_attempt(delivery, outcome, now)
        for name, value in fields.items():
            setattr(delivery, name, value)
        rows.append([_column_value(name, fields.get(name)) for name in _SETTLED] + [delivery.pk])
    with transaction.atomic():
        with connection.cursor() as cursor:
            # One statement for the batch (psycopg pipelines executemany): a query per delivery
            # cost more than the delivery itself.
            cursor.executemany(_settle_statement(), rows)
        by_webhook: dict[int, tuple[Webhook, bool]] = {}
        for delivery, outcome in attempts:
            _, ok = by_webhook.get(delivery.webhook_id, (delivery.webhook, False))
            by_webhook[delivery.webhook_id] = (delivery.webhook, ok or outcome.ok)
        for webhook, ok in by_webhook.values():
            _track_endpoint(webhook, ok, now)


# What an attempt sets; a None for one marked keep-if-None leaves the column as it was.
_SETTLED = (
    "attempts",
    "last_attempt_at",
    "last_status_code",
    "last_error",
    "latency_ms",
    "locked_until",
    "status",
    "delivered_at",
    "next_attempt_at",
)
_KEPT_IF_NONE = {"status", "delivered_at", "next_attempt_at"}


def _column_value(name: str, value: Any) -> Any:
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _settle_statement() -> str:
    quote = connection.ops.quote_name
    assignments = ", ".join(
        f"{quote(name)} = COALESCE(%s, {quote(name)})" if name in _KEPT_IF_NONE else f"{quote(name)} = %s"
        for name in _SETTLED
    )
    return (
        f"UPDATE {quote(Delivery._meta.db_table)} SET {assignments} "
        f"WHERE {quote('id')} = %s AND {quote('status')} = '{DeliveryStatus.PENDING}'"
    )


def _after_attempt(delivery: Delivery, outcome: Outcome, now: datetime) -> dict[str, Any]:
    fields = {
        "attempts": delivery.attempts + 1,
        "last_attempt_at": now,
        "last_status_code": outcome.status,
        "last_error": outcome.error,
        "latency_ms": outcome.latency_ms,
        "locked_until": None,
    }
    if outcome.ok:
        return fields | {"status": DeliveryStatus.DELIVERED, "delivered_at": now}
    if (now - delivery.created_date).total_seconds() >= settings.OMS_WEBHOOK_RETRY_SECONDS:
        return fields | {"status": DeliveryStatus.FAILED}
    return fields | {"next_attempt_at": now + timedelta(seconds=backoff(fields["attempts"]))}


def _track_endpoint(webhook: Webhook, ok: bool, now: datetime) -> None:
    hooks = Webhook.objects.filter(pk=webhook.pk)
    if ok:
        if webhook.failing_since is not None:
            hooks.update(failing_since=None)
            webhook.failing_since = None
        return
    if webhook.failing_since is None:
        hooks.filter(failing_since__isnull=True).update(failing_since=now)
        webhook.failing_since = now
    elif (now - webhook.failing_since).total_seconds() >= settings.OMS_WEBHOOK_DISABLE_AFTER_SECONDS:
        since = wire_datetime(webhook.failing_since)
        hooks.update(is_active=False, disabled_reason=f"Every delivery failed since {since}.")
        webhook.is_active = False


def attempt(delivery: Delivery) -> Outcome:
    """POST the delivery's event, signed now, and log one line for it with the request id of the
    change that made the event."""
    now = timezone.now()
    event = delivery.event
    body = body_of(event)
    outcome = post(delivery.webhook.url, body, signed_headers(delivery.webhook, event, body, now))
    line = logging.LogRecord(log.name, logging.INFO, __file__, 0, "delivery", None, None)
    fields = {
        "request_id": event.request_id or None,
        "event": event.wire_id,
        "type": event.type,
        "channel": event.channel_id,
        "webhook": delivery.webhook_id,
        "attempt": delivery.attempts + 1,
        "ok": outcome.ok,
        "status": outcome.status,
        "error": outcome.error,
        "duration_ms": outcome.latency_ms,
    }
    setattr(line, FIELDS, fields)
    log.handle(line)
    return outcome


def deliver_all(claimed: Sequence[Delivery], *, stopping=lambda: False) -> list[tuple[Delivery, Outcome]]:
    """Attempt the claimed deliveries, OMS_WORKER_CONCURRENCY at a time (a claim holds at most
    one delivery per subscription and subject, so one subject's events stay in order); those
    started before `stopping()` turned true, with their outcomes, in claim order."""

    def started(delivery: Delivery) -> Outcome | None:
        return None if stopping() else attempt(delivery)

    if len(claimed) <= 1 or settings.OMS_WORKER_CONCURRENCY <= 1:
        outcomes = [started(delivery) for delivery in claimed]
    else:
        outcomes = list(_pool().map(started, claimed))
    return [(d, outcome) for d, outcome in zip(claimed, outcomes, strict=True) if outcome is not None]


_threads: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _threads
    if _threads is None:
        _threads = ThreadPoolExecutor(settings.OMS_WORKER_CONCURRENCY, thread_name_prefix="deliver")
    return _threads


@dataclass(frozen=True)
class Round:
    """What one `run_once` did: events fanned out, deliveries tried, and whether either read a
    full batch (more is waiting: the next round should start at once)."""

    fanned_out: int
    delivered: int
    full: bool

    @property
    def handled(self) -> int:
        return self.fanned_out + self.delivered


def run_once(*, batch: int | None = None, stopping=lambda: False) -> Round:
    """One round: fan out, then deliver what is due and record the outcomes in one transaction.
    Once `stopping()` is true, the deliveries not yet started are released at once (those under
    way are finished)."""
    batch = batch or settings.OMS_WORKER_BATCH
    fanned_out = fan_out()
    claimed = claim(batch=batch)
    tried = deliver_all(claimed, stopping=stopping)
    if len(tried) < len(claimed):
        untried = {d.pk for d in claimed} - {d.pk for d, _ in tried}
        Delivery.objects.filter(pk__in=untried).update(locked_until=None)
    if tried:
        settle_all(tried)
    return Round(fanned_out, len(tried), fanned_out >= FANOUT_BATCH or len(claimed) >= batch)
