"""Refusing an order over the item limit costs what counting its items does: nothing is done
per item, neither the reference lookups nor the schema (issue 21: a million items in a bulk body
took 4.3 s of a worker to refuse)."""

from __future__ import annotations

from unittest import mock

import pytest

from oms.orders.models import Order
from oms.orders.schemas import OrderCreateIn
from oms.orders.services import references
from oms.orders.tests.payloads import minimal_body

pytestmark = pytest.mark.django_db


def huge_order(number: str, items: int) -> dict:
    body = minimal_body(number)
    body["order_item"] = body["order_item"] * items
    return body


@pytest.fixture
def per_item_work():
    """Spies on the two things done per item: collecting a reference, and the schema."""
    with (
        mock.patch.object(references, "_add", wraps=references._add) as collect,
        mock.patch.object(OrderCreateIn, "model_validate", wraps=OrderCreateIn.model_validate) as validate,
    ):
        yield collect, validate


def test_a_bulk_order_over_the_item_limit_is_refused_before_any_item_is_read(api, settings, per_item_work):
    # Given a bulk body of one order with one item more than the limit
    settings.OMS_MAX_ITEMS_PER_ORDER = 50
    collect, validate = per_item_work
    # When it is posted
    response = api.post(
        "/api/v1/channel/1/create_orders/bulk/",
        {"orders": [huge_order("HUGE-1", 51)], "error_policy": "reject_failed"},
    )
    # Then the order is refused too_many, without a reference collected or the schema run
    assert response.status_code == 200, response.content
    assert response.json()["results"][0]["errors"] == [
        {"path": "order_item", "code": "too_many", "message": "An order may have at most 50 items; got 51."}
    ]
    assert (collect.call_count, validate.call_count) == (0, 0)


def test_the_other_orders_of_the_bulk_call_are_still_created(api, settings):
    # Given a bulk body of an order over the item limit and a good one
    settings.OMS_MAX_ITEMS_PER_ORDER = 50
    orders = [huge_order("HUGE-2", 51), minimal_body("SMALL-2")]
    # When it is posted with reject_failed
    response = api.post(
        "/api/v1/channel/1/create_orders/bulk/", {"orders": orders, "error_policy": "reject_failed"}
    )
    # Then the first is rejected and the second created
    assert [r["status"] for r in response.json()["results"]] == ["rejected", "created"]
    assert list(Order.objects.filter(number__in=["HUGE-2", "SMALL-2"]).values_list("number", flat=True)) == [
        "SMALL-2"
    ]


def test_a_single_order_over_the_item_limit_is_refused_before_any_item_is_read(api, settings, per_item_work):
    # Given an order with one item more than the limit
    settings.OMS_MAX_ITEMS_PER_ORDER = 50
    collect, validate = per_item_work
    # When it is posted
    response = api.create_order(huge_order("HUGE-3", 51))
    # Then 400 too_many, without a reference collected or the schema run
    assert response.status_code == 400
    assert [(e["path"], e["code"]) for e in response.json()["errors"]] == [("order_item", "too_many")]
    assert (collect.call_count, validate.call_count) == (0, 0)


def test_a_bulk_call_over_the_order_limit_is_refused_before_any_order_is_read(api, settings, per_item_work):
    # Given a bulk body of one order more than the limit
    settings.OMS_MAX_ORDERS_PER_BULK = 2
    collect, validate = per_item_work
    orders = [minimal_body(f"MANY-{index}") for index in range(3)]
    # When it is posted
    response = api.post("/api/v1/channel/1/create_orders/bulk/", {"orders": orders})
    # Then 400 too_many naming orders, without a reference collected or an order's schema run
    assert response.status_code == 400
    assert [(e["path"], e["code"]) for e in response.json()["errors"]] == [("orders", "too_many")]
    assert (collect.call_count, validate.call_count) == (0, 0)
