"""GET /metrics: names and values after a known sequence of requests (through Django's handler,
through the create lane and the body layer as served, and through gunicorn with 2 workers)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import resolve
from django.utils import timezone

from oms.catalog.models import ProductStock
from oms.events.models import Delivery, Event, Webhook
from oms.observe.requests import ORDER_ROUTES
from oms.observe.tests.scrape import delta, parse, value
from oms.orders.tests.given import make_reason
from oms.orders.tests.payloads import minimal_body

CREATE = "api/v1/channel/<int:channel_id>/create_orders/"
BULK = "api/v1/channel/<int:channel_id>/create_orders/bulk/"
ORDERS = "api/v1/channel/<int:channel_id>/orders/"


def scrape(client: Client | None = None):
    answer = (client or Client()).get("/metrics")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/plain; version=0.0.4")
    return parse(answer.content.decode())


def test_the_order_route_is_the_create_routes_template():
    assert ORDER_ROUTES == {resolve("/api/v1/channel/1/create_orders/").route} == {CREATE}


@pytest.mark.django_db
def test_requests_orders_and_queries_are_counted_by_route_channel_outcome_and_code(api, key_for):
    # Given the counts so far
    before = scrape()
    # When: a create, its replay, a conflict, a rejection with two codes, a bulk of one created
    # and one rejected, an unknown channel, a list, and a path that matches no route
    assert api.create_order(minimal_body("M-1")).status_code == 201
    assert api.create_order(minimal_body("M-1")).status_code == 200
    assert api.create_order(minimal_body("M-1", amount="99.00")).status_code == 409
    bad = minimal_body("M-2", customer=987654)
    bad["order_item"][0]["product"] = "x"
    assert api.create_order(bad).status_code == 400
    bulk = {
        "orders": [minimal_body("M-3"), minimal_body("M-4", customer=987654)],
        "error_policy": "reject_failed",
    }
    assert api.post("/api/v1/channel/1/create_orders/bulk/", bulk).status_code == 200
    assert api.create_order(minimal_body("M-5"), channel_id=999).status_code == 404
    assert api.get("/api/v1/channel/1/orders/").status_code == 200
    assert api.get("/api/v1/no/such/path/").status_code == 404
    after = scrape()

    # Then requests by route template, method and status
    requests = "oms_http_request_duration_seconds_count"
    assert delta(before, after, requests, route=CREATE, method="POST", status="201") == 1
    assert delta(before, after, requests, route=CREATE, method="POST", status="200") == 1
    assert delta(before, after, requests, route=CREATE, method="POST", status="409") == 1
    assert delta(before, after, requests, route=CREATE, method="POST", status="400") == 1
    assert delta(before, after, requests, route=CREATE, method="POST", status="404") == 1
    assert delta(before, after, requests, route=BULK, method="POST", status="200") == 1
    assert delta(before, after, requests, route=ORDERS, method="GET", status="200") == 1
    assert delta(before, after, requests, route="unmatched", method="GET", status="404") == 1
    # in buckets of time taken
    bucket = "oms_http_request_duration_seconds_bucket"
    assert delta(before, after, bucket, route=CREATE, method="POST", status="201", le="+Inf") == 1
    assert delta(before, after, bucket, route=CREATE, method="POST", status="201", le="10.0") == 1
    # orders per channel and outcome (bulk's each count; the unknown channel's does not)
    orders = "oms_orders_total"
    assert delta(before, after, orders, channel="1", outcome="created") == 2
    assert delta(before, after, orders, channel="1", outcome="replayed") == 1
    assert delta(before, after, orders, channel="1", outcome="conflict") == 1
    assert delta(before, after, orders, channel="1", outcome="rejected") == 2
    assert value(after, orders, channel="999", outcome="rejected") == 0
    # rejections per code: the single create's two codes, bulk's one
    rejections = "oms_order_rejections_total"
    assert delta(before, after, rejections, channel="1", code="not_found") == 2
    assert delta(before, after, rejections, channel="1", code="invalid_type") == 1
    # and database queries, per route
    assert delta(before, after, "oms_db_queries_total", route=CREATE) > 5
    assert delta(before, after, "oms_db_queries_total", route=ORDERS) >= 1


@pytest.mark.django_db
def test_metrics_are_for_loopback_only_unless_networks_are_allowed(settings):
    # Given a client outside loopback
    outside = Client(REMOTE_ADDR="10.1.2.3")
    # When it asks, then the path does not exist for it
    assert outside.get("/metrics").status_code == 404
    # Given its network allowed (and loopback not), when each asks
    settings.OMS_METRICS_ALLOW = ["10.0.0.0/8"]
    # then it gets them, and loopback does not
    assert outside.get("/metrics").status_code == 200
    assert Client().get("/metrics").status_code == 404
    settings.OMS_METRICS_ALLOW = ["::1/128"]
    assert Client(REMOTE_ADDR="::1").get("/metrics").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP"])
def test_a_request_through_a_proxy_is_not_local(header):
    # Given a proxy on this machine (nginx): its requests come from loopback, with the client's
    # address in a header
    proxied = Client(REMOTE_ADDR="127.0.0.1", **{header: "203.0.113.9"})
    # When a client asks through it, then it is refused, whatever the header says
    assert proxied.get("/metrics").status_code == 404
    assert Client(REMOTE_ADDR="127.0.0.1", **{header: "127.0.0.1"}).get("/metrics").status_code == 404


@pytest.mark.django_db
def test_reservations_oversold_items_and_webhook_deliveries_are_measured(
    api, django_capture_on_commit_callbacks, reserving_through
):
    # Given product 1 with one unit left and a webhook subscription whose deliveries wait
    ProductStock.objects.filter(stock_list_id=1, product_id=1).update(stock=0, sold_quantity_unreported=0)
    ProductStock.objects.filter(stock_list_id=1, product_id=1).update(stock=1)
    webhook = Webhook.objects.create(channel_id=1, url="https://93.184.215.14/hooks", secret="whsec_x")
    before = scrape()
    # When two orders of one unit each are created (the second past the stock), and the first is
    # cancelled, and an event is waiting for delivery
    with django_capture_on_commit_callbacks(execute=True):
        first = api.create_order(minimal_body("M-STOCK-1"))
        second = api.create_order(minimal_body("M-STOCK-2"))
        cancel = {"is_all": True, "reason": make_reason().pk}
        assert api.post(f"/api/v1/channel/1/orders/{first.json()['pk']}/cancel/", cancel).status_code == 200
    assert (first.status_code, second.status_code, second.json()["oversold"]) == (201, 201, True)
    event = Event.objects.filter(channel_id=1).order_by("-id").first()
    Delivery.objects.create(
        event=event, webhook=webhook, subject=event.subject, next_attempt_at=timezone.now(), attempts=2
    )
    after = scrape()
    # Then the units reserved and released, the oversold item, and the waiting delivery are there
    assert delta(before, after, "oms_stock_units_total", action="reserved") == 2
    assert delta(before, after, "oms_stock_units_total", action="released") == 1
    assert delta(before, after, "oms_oversold_items_total", channel="1") == 1
    # and, when their rows were contended, the two creates that reserved through the function
    contended = 2 if reserving_through == "function" else 0
    assert delta(before, after, "oms_stock_contended_creates_total", channel="1") == contended
    assert value(after, "oms_webhook_deliveries", status="pending") == 1
    assert value(after, "oms_webhook_attempts", status="pending") == 2
    assert value(after, "oms_webhook_delivery_lag_seconds") >= 0
