"""The admin is oms's; the operator dashboard charts orders, refusals, failing endpoints and
oversold items; refusal counts are kept per hour in the database."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from conftest import ApiClient
from oms.observe.models import HourlyRefusal
from oms.observe.refusals import count_refusal, flush_refusals
from oms.orders.tests.payloads import minimal_body

pytestmark = pytest.mark.django_db
DASHBOARD = "/admin/dashboard/"


def test_the_admin_says_oms_and_links_the_dashboard(operator):
    page = operator.get("/admin/").content.decode()
    assert "<title>Orders, channels and operations | oms admin</title>" in page
    assert 'id="site-name"><a href="/admin/">oms administration</a>' in page
    assert f'href="{DASHBOARD}"' in page
    assert "Django administration" not in page


def test_the_dashboard_is_for_staff_only(demo):
    assert Client().get(DASHBOARD).status_code == 302


def test_the_dashboard_charts_orders_per_channel_refusals_and_failing_endpoints(api, key_for, operator):
    # Given 3 orders in channel 1 and 1 in channel 2, and refusals: two unknown customers, a
    # request without a key, an unknown path
    for n in range(3):
        assert api.create_order(minimal_body(f"D-{n}")).status_code == 201
    channel2 = ApiClient(key_for(2))
    body = minimal_body("D-2-0", customer=2, shipping_address=2, billing_address=2)
    assert channel2.create_order(body, channel_id=2).status_code == 201
    for n in range(2):
        assert api.create_order(minimal_body(f"D-BAD-{n}", customer=987654)).status_code == 400
    assert ApiClient(None).create_order(minimal_body("D-X")).status_code == 401
    assert api.get("/api/v1/no/such/").status_code == 404
    # When the operator opens the dashboard
    page = operator.get(DASHBOARD).content.decode()
    # Then orders per hour: one line per channel with its total
    series = dict(re.findall(r'data-series="([^"]+)" data-total="(\d+)"', page))
    assert series == {"1 Demo web store": "4", "2 Demo marketplace": "1"}  # with the demo order
    # refusals by code, and the failing endpoints
    bars = re.findall(r'class="bar" data-name="([^"]+)" data-value="(\d+)"', page)
    assert ("not_found", "3") in bars  # two unknown customers, the unknown path
    assert ("not_authenticated", "1") in bars
    assert ("POST /api/v1/channel/&lt;int:channel_id&gt;/create_orders/", "3") in bars
    assert ("GET (no route)", "1") in bars
    assert "400: 2, 401: 1" in page
    # and the oversold panel says why it is empty on this installation or shows its items
    assert "Oversold items" in page


def test_refusal_counts_add_up_per_hour_and_key_across_flushes():
    # Given a refusal counted and written, then two more of the same kind and one other
    count_refusal(route="r", method="POST", status=400, codes=("required", "not_found", "required"))
    flush_refusals()
    for _ in range(2):
        count_refusal(route="r", method="POST", status=400, codes=("not_found", "required"))
    count_refusal(route="r", method="GET", status=404, codes=())
    # When written
    flush_refusals()
    # Then one row per hour and key, its count the sum (the upsert adds to the stored count)
    rows = sorted(HourlyRefusal.objects.values_list("method", "status", "codes", "count"))
    assert rows == [("GET", 404, "", 1), ("POST", 400, "not_found,required", 3)]


def test_refusals_are_written_at_most_every_flush_interval(api, settings):
    # Given a flush interval of an hour, just passed
    settings.OMS_REFUSAL_FLUSH_SECONDS = 3600
    flush_refusals()
    # When refusals come in
    for n in range(3):
        assert api.create_order(minimal_body(f"F-{n}", customer=987654)).status_code == 400
    # Then none is written yet; with the interval at 0 the next one writes them all
    assert not HourlyRefusal.objects.exists()
    settings.OMS_REFUSAL_FLUSH_SECONDS = 0
    assert api.create_order(minimal_body("F-3", customer=987654)).status_code == 400
    assert HourlyRefusal.objects.get().count == 4
