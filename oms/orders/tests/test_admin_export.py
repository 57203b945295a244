"""The admin's order list exports what it shows, with its current filters, as streamed CSV."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from conftest import ApiClient
from oms.orders.tests.payloads import minimal_body

pytestmark = pytest.mark.django_db
EXPORT = "/admin/orders/order/export/"


def rows(response) -> list[dict]:
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="orders-')
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def orders(api, key_for):
    for number in ["EXP-1", "EXP-2", "=HYPERLINK(1)"]:
        assert api.create_order(minimal_body(number)).status_code == 201
    body = minimal_body("EXP-9", customer=2, shipping_address=2, billing_address=2)
    assert ApiClient(key_for(2)).create_order(body, channel_id=2).status_code == 201


def test_the_list_links_its_export_with_the_current_filters(operator, orders):
    page = operator.get("/admin/orders/order/?channel__id__exact=2&q=EXP").content.decode()
    assert 'href="export/?channel__id__exact=2&amp;q=EXP"' in page


def test_the_export_has_the_lists_columns_and_every_row(operator, orders):
    exported = rows(operator.get(EXPORT))
    assert list(exported[0]) == [
        "Number",
        "Channel",
        "Status",
        "Amount",
        "Currency",
        "Customer",
        "Date placed",
        "Totals mismatch",
        "Oversold",
    ]
    assert sorted(row["Number"] for row in exported) == [
        "'=HYPERLINK(1)",
        "DEMO-0001",
        "EXP-1",
        "EXP-2",
        "EXP-9",
    ]
    exp1 = next(row for row in exported if row["Number"] == "EXP-1")
    assert (exp1["Channel"], exp1["Amount"], exp1["Customer"]) == (
        "Demo web store (#1)",
        "100.00",
        "customer1@example.com",
    )


def test_the_export_keeps_the_filters_search_and_order(operator, orders):
    # a filter
    assert [r["Number"] for r in rows(operator.get(EXPORT, {"channel__id__exact": "2"}))] == ["EXP-9"]
    # a search, with the list's order (number, descending)
    searched = rows(operator.get(EXPORT, {"q": "EXP", "o": "-1"}))
    assert [r["Number"] for r in searched] == ["EXP-9", "EXP-2", "EXP-1"]


def test_the_export_is_for_staff(orders):
    assert Client().get(EXPORT).status_code == 302
