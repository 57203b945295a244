"""Prometheus metrics, and GET /metrics.

Under gunicorn every worker is its own process: prometheus-client's multiprocess mode keeps each
worker's values in a file under PROMETHEUS_MULTIPROC_DIR (oms/gunicorn_conf.py sets it up and
cleans up after dead workers), and /metrics adds them up. Without that variable (runserver, tests)
the values live in this process.

Label values are never client text: a route is its URL template (or "unmatched"), a method one of
HTTP's or "other", a channel one that exists and the key is granted, a code one of ErrorCode's.
"""

from __future__ import annotations

import ipaddress
import os

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from oms.events.services import attempts_by_status, delivery_stats

# Requests answered, as one histogram: its _count is the number of requests by route, method and
# status (a separate counter would cost a second increment on every request).
REQUESTS = Histogram(
    "oms_http_request_duration_seconds",
    "Requests answered by route template, method and status, by the time taken to answer (until "
    "the answer's first byte was ready); _count is the number of requests.",
    ["route", "method", "status"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
ORDERS = Counter(
    "oms_orders",
    "Orders received by channel and outcome: created, replayed, conflict, rejected.",
    ["channel", "outcome"],
)
REJECTIONS = Counter(
    "oms_order_rejections",
    "Rejected orders by channel and error code (a rejection with several codes counts once per code).",
    ["channel", "code"],
)
DB_QUERIES = Counter(
    "oms_db_queries", "Database queries run while answering requests, by route template.", ["route"]
)
DB_CONNECTIONS = Counter("oms_db_connections_opened", "Database connections opened.", ["alias"])
STOCK_UNITS = Counter(
    "oms_stock_units",
    "Units of stock reserved by orders and released (cancel, refund, the ERP's confirmation), "
    "counted when their transaction commits.",
    ["action"],
)
OVERSOLD_ITEMS = Counter("oms_oversold_items", "Items created past their stock, by channel.", ["channel"])
CONTENDED_CREATES = Counter(
    "oms_stock_contended_creates",
    "Creates whose stock rows other creates were reserving on at the same time (PostgreSQL: "
    "reserved through oms_reserve_stock), by channel, counted when their transaction commits.",
    ["channel"],
)


def count_reservations(channel_id: int, *, units: int, oversold: int) -> None:
    if units:
        STOCK_UNITS.labels("reserved").inc(units)
    if oversold:
        OVERSOLD_ITEMS.labels(str(channel_id)).inc(oversold)


def count_contended_create(channel_id: int) -> None:
    CONTENDED_CREATES.labels(str(channel_id)).inc()


def count_releases(*, units: int) -> None:
    STOCK_UNITS.labels("released").inc(units)


class DeliveryCollector:
    """The outbox's webhook deliveries as the database has them when /metrics is read: every
    process (the workers included) writes them there, so no process's counters could."""

    def collect(self):
        stats = delivery_stats()
        deliveries = GaugeMetricFamily(
            "oms_webhook_deliveries", "Webhook deliveries kept (7 days) by status.", labels=["status"]
        )
        for status in ("pending", "delivered", "failed"):
            deliveries.add_metric([status], getattr(stats, status))
        yield deliveries
        yield GaugeMetricFamily(
            "oms_webhook_delivery_lag_seconds",
            "Age of the oldest pending delivery's event (0 when none waits): the delivery lag.",
            value=stats.oldest_pending_age_seconds,
        )
        attempts = GaugeMetricFamily(
            "oms_webhook_attempts",
            "Delivery attempts made, by the status their delivery is in now.",
            labels=["status"],
        )
        for status, total in attempts_by_status().items():
            attempts.add_metric([status], total)
        yield attempts


# As prometheus-client decided when it was imported (just above): set later (a module importing
# gunicorn_conf.py), the variable would send /metrics to files this process never wrote.
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def method_label(method: str) -> str:
    return method if method in _METHODS else "other"


def request_series(route: str, method: str, status: int):
    """REQUESTS' series for these labels (kept: labels() costs more than the observation)."""
    key = (route, method, status)
    series = _request_series.get(key)
    if series is None:
        series = _request_series[key] = REQUESTS.labels(route, method, str(status))
    return series


# Bounded: routes, methods and statuses are.
_request_series: dict[tuple[str, str, int], Histogram] = {}


# Headers a proxy adds: behind one, the peer address is the proxy's (loopback, for nginx on the
# same machine), not the client's, so a proxied request is never taken for a local one.
_PROXIED = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


def is_allowed(meta: dict) -> bool:
    if any(header in meta for header in _PROXIED):
        return False
    try:
        ip = ipaddress.ip_address(meta.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net, strict=False) for net in settings.OMS_METRICS_ALLOW)


def metrics(request: HttpRequest) -> HttpResponse:
    """The metrics in Prometheus's text format, for clients in OMS_METRICS_ALLOW (loopback by
    default) that reach the server directly; anyone else gets the 404 of an unknown path."""
    if not is_allowed(request.META):
        return HttpResponseNotFound(b"Not found.", content_type="text/plain")
    registry = CollectorRegistry()
    if MULTIPROCESS:
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ProcessCollector())
    registry.register(DeliveryCollector())
    return HttpResponse(
        generate_latest(registry), content_type=CONTENT_TYPE_PLAIN_0_0_4
    )  # what every Prometheus reads


class _ProcessCollector:
    """This process's own metrics (REGISTRY's), beside the database's, without the database's
    being registered in REGISTRY (where every generate_latest would query it)."""

    def collect(self):
        yield from REGISTRY.collect()
