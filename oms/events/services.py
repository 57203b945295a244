"""Writing events into the outbox, and reading it back in commit order (the pull feed, fan-out).

Other apps call `record_event` inside the transaction that makes their change; nothing here
commits. Readers go through `committed_events`, which yields events in (tx, id) order and only
those every later reader will also see in that place (see CurrentTransaction).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from oms.channels.models import Channel
from oms.core.errors import ErrorCode, Problem, ValidationFailed
from oms.events.models import Delivery, DeliveryStatus, Event, EventType, Webhook
from oms.observe.context import current


@dataclass(frozen=True)
class NewEvent:
    """An event to record: what `record_event` takes, for writing many in one statement."""

    channel_id: int
    type: EventType
    subject: str
    data: Mapping[str, Any]
    occurred_at: datetime | None = None


def current_request_id() -> str:
    """The X-Request-ID of the request being answered ("" outside a request)."""
    record = current()
    return record.request_id if record is not None else ""


def record_events(events: Sequence[NewEvent]) -> None:
    """`record_event` for many events, in one INSERT."""
    now, request_id = timezone.now(), current_request_id()
    Event.objects.bulk_create(
        [
            Event(
                channel_id=e.channel_id,
                type=e.type,
                subject=e.subject,
                data=e.data,
                occurred_at=e.occurred_at or now,
                request_id=request_id,
            )
            for e in events
        ]
    )


def record_event(
    *,
    channel_id: int,
    type: EventType,
    subject: str,
    data: Mapping[str, Any],
    occurred_at: datetime | None = None,
    target: Webhook | None = None,
) -> Event:
    """Write one event in the caller's transaction: it is published if and only if that
    transaction commits. `subject` ("order:12") orders delivery: one subject's events reach a
    subscriber in the order they were recorded."""
    return Event.objects.create(
        channel_id=channel_id,
        type=type,
        subject=subject,
        data=data,
        occurred_at=occurred_at or timezone.now(),
        target=target,
        request_id=current_request_id(),
    )


# --- reading in commit order --------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Cursor:
    """A place in the outbox: after the event (tx, id). Opaque to clients: "<tx>-<id>"."""

    tx: int = 0
    event_id: int = 0

    def __str__(self) -> str:
        return f"{self.tx}-{self.event_id}"

    @classmethod
    def of(cls, event: Event) -> Cursor:
        return cls(event.tx, event.pk)

    @classmethod
    def parse(cls, text: str, *, path: str = "after") -> Cursor:
        tx, sep, event_id = text.partition("-")
        if not (sep and tx.isascii() and tx.isdigit() and event_id.isascii() and event_id.isdigit()):
            raise ValidationFailed(
                Problem(path, ErrorCode.INVALID_FORMAT, "Expected a cursor from an earlier answer's `next`.")
            )
        if len(tx) > 19 or len(event_id) > 19 or int(tx) >= 2**63 or int(event_id) >= 2**63:
            raise ValidationFailed(Problem(path, ErrorCode.OUT_OF_RANGE, "Cursor out of range."))
        return cls(int(tx), int(event_id))


def _visible_horizon() -> tuple[int, int | None] | None:
    """The oldest transaction still running, other than this one (PostgreSQL), and this one's
    id if it has one: events of transactions at or past the horizon may still commit, and an
    event committing later may sort before them, so they are not served yet; a transaction sees
    its own. None on SQLite, where a writer holds the only write lock: id order is commit order."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint, "
            "pg_current_xact_id_if_assigned()::text::bigint"
        )
        return cursor.fetchone()


def committed_events(after: Cursor, *, channel_id: int) -> QuerySet[Event]:
    """A channel's events after `after` in commit order, up to the horizon every later read
    agrees on."""
    events = Event.objects.filter(
        Q(tx__gt=after.tx) | Q(tx=after.tx, id__gt=after.event_id), channel_id=channel_id
    )
    horizon = _visible_horizon()
    if horizon is not None:
        oldest_running, own = horizon
        events = events.filter(Q(tx__lt=oldest_running) | Q(tx=own) if own else Q(tx__lt=oldest_running))
    return events.order_by("tx", "id")


@dataclass(frozen=True)
class FeedPage:
    results: list[Event]
    next: str


FEED_LIMIT_DEFAULT, FEED_LIMIT_MAX = 100, 1000


def list_channel_events(*, channel: Channel, params: Mapping[str, list[str]]) -> FeedPage:
    """A page of the channel's pull feed, read from the query parameters `after` (a cursor),
    `limit` (1 to 1000, default 100) and `type` (repeated or comma-separated). `next` is the
    cursor to send as `after` for the next page: a consumer that stores it never misses nor
    repeats an event (an empty page answers the cursor it was given). ValidationFailed names
    every bad parameter at once."""
    problems: list[Problem] = []
    after = (params.get("after") or [""])[-1]
    cursor = Cursor()
    if after:
        try:
            cursor = Cursor.parse(after)
        except ValidationFailed as failed:
            problems += failed.problems
    limit = _feed_limit((params.get("limit") or [""])[-1], problems)
    types = [t for raw in params.get("type", []) for t in raw.split(",") if t]
    unknown = [t for t in types if t not in EventType.values]
    if unknown:
        problems.append(
            Problem(
                "type",
                ErrorCode.INVALID_CHOICE,
                f'"{unknown[0][:40]}" is not an event type; expected one of: {", ".join(EventType.values)}.',
            )
        )
    if problems:
        raise ValidationFailed(problems)
    events = committed_events(cursor, channel_id=channel.pk)
    if types:
        events = events.filter(type__in=types)
    page = list(events[:limit])
    return FeedPage(page, str(Cursor.of(page[-1])) if page else str(cursor))


def _feed_limit(raw: str, problems: list[Problem]) -> int:
    if not raw:
        return FEED_LIMIT_DEFAULT
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        problems.append(Problem("limit", ErrorCode.INVALID_TYPE, "Expected a positive integer."))
        return FEED_LIMIT_DEFAULT
    if not 1 <= int(raw) <= FEED_LIMIT_MAX:
        problems.append(
            Problem("limit", ErrorCode.OUT_OF_RANGE, f"limit must be between 1 and {FEED_LIMIT_MAX}.")
        )
    return int(raw)


def purge_events(*, now: datetime | None = None) -> int:
    """Delete events older than OMS_EVENT_RETENTION_SECONDS (with their deliveries); the count."""
    limit = (now or timezone.now()) - timedelta(seconds=settings.OMS_EVENT_RETENTION_SECONDS)
    _, per_model = Event.objects.filter(occurred_at__lt=limit).delete()
    return per_model.get(Event._meta.label, 0)


# --- what the observe helper reads --------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryStats:
    pending: int
    delivered: int
    failed: int
    # Seconds since the oldest pending delivery's event occurred (0 when none is pending).
    oldest_pending_age_seconds: float


def attempts_by_status() -> dict[str, int]:
    """Delivery attempts made, summed by the status their delivery is in now (for metrics)."""
    totals = dict.fromkeys(DeliveryStatus.values, 0)
    for row in Delivery.objects.values("status").order_by().annotate(n=Sum("attempts")):
        totals[row["status"]] = row["n"] or 0
    return totals


def delivery_stats(*, now: datetime | None = None) -> DeliveryStats:
    """Counts of deliveries by status and the age of the oldest one waiting, for metrics."""
    counts = dict.fromkeys(DeliveryStatus.values, 0)
    for row in Delivery.objects.values("status").order_by().annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    oldest = (
        Delivery.objects.filter(status=DeliveryStatus.PENDING)
        .order_by("event__occurred_at")
        .values_list("event__occurred_at", flat=True)
        .first()
    )
    age = ((now or timezone.now()) - oldest).total_seconds() if oldest else 0.0
    return DeliveryStats(counts["pending"], counts["delivered"], counts["failed"], max(age, 0.0))
