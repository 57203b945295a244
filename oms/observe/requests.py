"""One log line, the metrics and the X-Request-ID header of every request, wherever it is answered.

Most answers come from Django's handler: `RequestMiddleware` (first in MIDDLEWARE) observes them,
with their route from Django's URL resolving. Two kinds are answered beside Django, in the WSGI
layers of oms/wsgi.py: the create lane's successes and the body layer's refusals.
`ObservedRequests`, the outermost layer, opens each request's record and observes the answers
Django's middleware did not. The work per request is one context variable, a few counter
increments and one log line.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from oms.core.bodies import PRINCIPAL
from oms.core.http import API_PREFIX
from oms.observe import metrics
from oms.observe.context import PROBE, Record, begin, count_query, current, end, request_id_from
from oms.observe.logs import FIELDS
from oms.observe.refusals import count_refusal

log = logging.getLogger("oms.requests")

HEADER = "X-Request-ID"
UNMATCHED = "unmatched"
# The routes whose refusal is one order refused (bulk notes each of its orders itself).
ORDER_ROUTES = frozenset({"api/v1/channel/<int:channel_id>/create_orders/"})

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


class ObservedRequests:
    """WSGI, outermost: opens the request's record (its id from X-Request-ID or new) and observes
    any answer the middleware has not."""

    def __init__(self, app: WSGIApp):
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        record, token = begin(
            request_id=request_id_from(environ.get("HTTP_X_REQUEST_ID")),
            method=environ.get("REQUEST_METHOD", ""),
        )

        def observed(status: str, headers: list[tuple[str, str]], exc_info=None):
            if not record.finished:
                headers = [*headers, (HEADER, record.request_id)]
                path = environ.get("PATH_INFO", "")
                record.route = route_of(path)
                finish(record, int(status[:3]), path=path, principal=environ.get(PRINCIPAL))
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, observed)
        finally:
            end(token)


class RequestMiddleware:
    """Django middleware, first in MIDDLEWARE: observes every answer of Django's handler (and so
    of the test client, which calls no WSGI layer)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if PROBE in request.META:
            return self.get_response(request)
        record, token = current(), None
        if record is None or record.finished:  # no WSGI layer opened one: the test client
            record, token = begin(
                request_id=request_id_from(request.META.get("HTTP_X_REQUEST_ID")), method=request.method or ""
            )
        try:
            response = self.get_response(request)
            match = request.resolver_match
            record.route = match.route if match is not None else UNMATCHED
            response[HEADER] = record.request_id
            finish(
                record, response.status_code, path=request.path_info, principal=getattr(request, "auth", None)
            )
            return response
        finally:
            if token is not None:
                end(token)


@lru_cache(maxsize=1024)
def route_of(path: str) -> str:
    """The URL template `path` resolves to (for answers given beside Django's URL resolving)."""
    try:
        return resolve(path).route
    except Resolver404:
        return UNMATCHED


def finish(record: Record, status: int, *, path: str, principal: object) -> None:
    record.finished = True
    elapsed = time.perf_counter() - record.started
    route = record.route or UNMATCHED
    method = metrics.method_label(record.method)
    record.key_id = getattr(principal, "key_id", None)
    metrics.request_series(route, method, status).observe(elapsed)
    if record.queries:
        metrics.DB_QUERIES.labels(route).inc(record.queries)
    _count_orders(record, route, status)
    if status >= 400 and path.startswith(API_PREFIX):
        count_refusal(route=route, method=method, status=status, codes=record.codes)
    fields = {
        "request_id": record.request_id,
        "method": method,
        "route": route,
        "status": status,
        "duration_ms": round(elapsed * 1000, 2),
        "queries": record.queries,
        "key_id": record.key_id,
        "channel": record.channel_id,
        "order_number": record.order_number,
    }
    if status >= 400:
        fields["codes"] = list(record.codes)
    if settings.OMS_REQUEST_LOG and log.isEnabledFor(logging.INFO):
        # A record made directly: logging's own path looks for the caller in the stack, a third
        # of the line's cost, for a line whose origin is always this one.
        line = logging.LogRecord(log.name, logging.INFO, __file__, 0, "request", None, None)
        setattr(line, FIELDS, fields)
        log.handle(line)


def _count_orders(record: Record, route: str, status: int) -> None:
    orders = record.orders
    if not orders and status >= 400 and route in ORDER_ROUTES:
        orders = [("conflict" if status == 409 else "rejected", record.codes)]
    if not orders or record.channel_id is None:
        return  # a refusal before the channel was known (no key, unknown channel): no order label
    channel = str(record.channel_id)
    for outcome, codes in orders:
        metrics.ORDERS.labels(channel, outcome).inc()
        for code in codes if outcome == "rejected" else ():
            metrics.REJECTIONS.labels(channel, code).inc()


def on_connection_created(sender, connection, **kwargs) -> None:
    """Counts the connection, and has its queries counted for the request running them."""
    metrics.DB_CONNECTIONS.labels(connection.alias).inc()
    if _count_query not in connection.execute_wrappers:
        connection.execute_wrappers.append(_count_query)


def _count_query(execute, sql, params, many, context):
    count_query()
    return execute(sql, params, many, context)
