"""The operator dashboard's figures: what arrived per channel and hour, what was refused and why,
which endpoints fail, which items were sold past their stock. Read from the database (orders,
HourlyRefusal), a week at a time.

Panels are functions of the period's start: a later capability adds its own panel to PANELS
(webhook deliveries and their lag come from the events app)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Sum
from django.db.models.functions import TruncHour
from django.utils import timezone
from django.utils.safestring import SafeString

from oms.events.models import Delivery
from oms.events.services import delivery_stats
from oms.observe import svg
from oms.observe.models import HourlyRefusal
from oms.orders.models import Order, OrderItem

DAYS = 7
TOP = 10


@dataclass(frozen=True)
class Panel:
    title: str
    chart: SafeString | None = None
    # Rows of a table under the chart (or instead of it): header first.
    table: list[tuple] = field(default_factory=list)
    note: str = ""


def _hourly(since: datetime, model, series_of: tuple[str, ...]) -> tuple[list[str], dict[str, list[int]]]:
    """Rows of `model` created since `since`, counted per hour and per series (the values of the
    `series_of` columns, joined): the ticks of the period's hours and one count per hour each."""
    hours = [since + timedelta(hours=n) for n in range(DAYS * 24)]
    index = {hour: i for i, hour in enumerate(hours)}
    counts = (
        model.objects.filter(created_date__gte=since)
        .annotate(hour=TruncHour("created_date"))
        .values_list("hour", *series_of)
        .annotate(n=Count("id"))
        .order_by()
    )
    series: dict[str, list[int]] = {}
    for hour, *names, n in counts:
        values = series.setdefault(" ".join(map(str, names)), [0] * len(hours))
        if hour in index:
            values[index[hour]] += n
    return [timezone.localtime(h).strftime("%a %d %b") for h in hours], series


def orders_per_hour(since: datetime) -> Panel:
    ticks, series = _hourly(since, Order, ("channel_id", "channel__name"))
    table = [("channel", "orders")] + [(name, sum(values)) for name, values in sorted(series.items())]
    return Panel(
        "Orders per hour, per channel",
        svg.line_chart(ticks, series, label="Orders per hour per channel, last 7 days"),
        table,
        "" if series else "No orders in the last 7 days.",
    )


def refusals_by_code(since: datetime) -> Panel:
    by_code: Counter[str] = Counter()
    for codes, n in HourlyRefusal.objects.filter(hour__gte=since).values_list("codes", "count"):
        for code in codes.split(",") if codes else ["(no code)"]:
            by_code[code] += n
    rows = by_code.most_common()
    return Panel(
        "API refusals by error code",
        svg.bar_chart(rows, label="API refusals by error code, last 7 days") if rows else None,
        note="" if rows else "No refused API requests in the last 7 days.",
    )


def failing_endpoints(since: datetime) -> Panel:
    totals: Counter[str] = Counter()
    statuses: dict[str, Counter[int]] = defaultdict(Counter)
    rows = HourlyRefusal.objects.filter(hour__gte=since).values_list("method", "route", "status")
    for method, route, status, n in rows.annotate(n=Sum("count")).order_by():
        endpoint = f"{method} /{route}" if route != "unmatched" else f"{method} (no route)"
        totals[endpoint] += n
        statuses[endpoint][status] += n
    top = totals.most_common(TOP)
    table = [("endpoint", "refused", "by status")] + [
        (name, n, ", ".join(f"{status}: {count}" for status, count in sorted(statuses[name].items())))
        for name, n in top
    ]
    return Panel(
        "Top failing endpoints (4xx and 5xx answers)",
        svg.bar_chart(top, label="Top failing endpoints, last 7 days") if top else None,
        table if top else [],
        "" if top else "No failing requests in the last 7 days.",
    )


def oversold_items(since: datetime) -> Panel:
    title = "Oversold items (sold past their stock)"
    rows = (
        OrderItem.objects.filter(oversold=True, order__created_date__gte=since)
        .values_list("product__sku")
        .annotate(n=Count("id"))
        .order_by("-n")[:TOP]
    )
    rows = [(sku, n) for sku, n in rows]
    return Panel(
        title,
        svg.bar_chart(rows, label="Oversold items by SKU, last 7 days") if rows else None,
        note="" if rows else "No item was sold past its stock in the last 7 days.",
    )


def webhook_deliveries(since: datetime) -> Panel:
    ticks, series = _hourly(since, Delivery, ("status",))
    stats = delivery_stats()
    table = [
        ("pending", "delivered", "failed", "oldest pending (s)"),
        (stats.pending, stats.delivered, stats.failed, round(stats.oldest_pending_age_seconds, 1)),
    ]
    return Panel(
        "Webhook deliveries per hour, by status, and the delivery lag",
        svg.line_chart(ticks, series, label="Webhook deliveries per hour by status, last 7 days")
        if series
        else None,
        table,
        "" if series else "No webhook deliveries in the last 7 days.",
    )


PANELS: list[Callable[[datetime], Panel]] = [
    orders_per_hour,
    refusals_by_code,
    failing_endpoints,
    oversold_items,
    webhook_deliveries,
]


def dashboard_panels(now: datetime | None = None) -> list[Panel]:
    """Every panel over the last DAYS days, hours aligned to the hour."""
    now = (now or timezone.now()).replace(minute=0, second=0, microsecond=0)
    since = now - timedelta(hours=DAYS * 24 - 1)
    return [panel(since) for panel in PANELS]
