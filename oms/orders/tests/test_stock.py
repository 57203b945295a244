"""Stock reservations through HTTP: each channel stock policy on create, single and bulk, and the
release by cancel and by a refund status change."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import ApiClient
from oms.access.services import clear_key_cache
from oms.catalog.models import Product, ProductStock
from oms.channels.models import Channel
from oms.orders.api.lane import CreateOrderLane
from oms.orders.models import Order, OrderHistory
from oms.orders.tests.given import make_reason
from oms.orders.tests.payloads import minimal_body
from oms.orders.tests.test_lane import CountingApp, auth, call

pytestmark = pytest.mark.django_db
BULK = "/api/v1/channel/1/create_orders/bulk/"


@pytest.fixture(autouse=True)
def _nothing_reserved(demo):
    """The demo's own orders reserved units: these tests count from zero."""
    ProductStock.objects.update(sold_quantity_unreported=0)


def stock_row(product: int = 1) -> ProductStock:
    return ProductStock.objects.get(stock_list_id=1, product_id=product)


def with_stock(product: int, stock: int) -> None:
    ProductStock.objects.filter(stock_list_id=1, product_id=product).update(stock=stock)


def policy(value: str) -> None:
    Channel.objects.filter(pk=1).update(stock_policy=value)
    clear_key_cache()  # channels are cached as keys are


def order_of(number: str, *units: tuple[int, int]) -> dict:
    """An order with one item per (product, quantity)."""
    body = minimal_body(number, amount=f"{sum(q for _, q in units) * 10}.00")
    body["order_item"] = [
        {"product": product, "price": f"{quantity * 10}.00", "quantity": quantity}
        for product, quantity in units
    ]
    return body


def items_of(api, answer) -> list[dict]:
    return api.get(f"/api/v1/channel/1/orders/{answer.json()['pk']}/").json()["orderitem_set"]


def test_reserve_takes_the_units_and_flags_what_is_sold_past_the_stock(api, reserving_through):
    # Given product 1 with 3 units and product 2 with plenty, under the default policy (reserve)
    with_stock(1, 3)
    before = stock_row(1).modified_date
    # When an order takes 2 of product 1, then another takes 2 more and 1 of product 2
    first = api.create_order(order_of("R-1", (1, 2)))
    second = api.create_order(order_of("R-2", (1, 2), (2, 1)))
    # Then both are accepted; the second's product 1 item and the order are oversold
    assert (first.status_code, second.status_code) == (201, 201), second.content
    assert first.json()["oversold"] is False
    body = second.json()
    assert body["oversold"] is True
    assert [item["oversold"] for item in items_of(api, second)] == [True, False]
    row = stock_row(1)
    assert (row.stock, row.sold_quantity_unreported, row.adjusted_stock) == (3, 4, -1)
    assert row.modified_date > before
    assert stock_row(2).sold_quantity_unreported == 1
    oversold = api.get("/api/v1/channel/1/orders/", oversold="true").json()["results"]
    assert [order["number"] for order in oversold] == ["R-2"]


def test_one_row_per_unit_reserves_one_unit_each(api, reserving_through, seed_body):
    # Given Omnitron's client style: items without quantities, two rows of product 1
    body = minimal_body("UNITS-1", amount="200.00")
    body["order_item"] = [{"product": 1, "price": "100.00"}, {"product": 1, "price": "100.00"}]
    # When it is created
    response = api.create_order(body)
    # Then two units are reserved
    assert response.status_code == 201, response.content
    assert stock_row(1).sold_quantity_unreported == 2


def test_reject_refuses_the_whole_order_naming_each_short_item_and_writes_nothing(api, reserving_through):
    # Given a channel that rejects, product 1 with 2 units, product 3 with 1
    policy("reject")
    with_stock(1, 2)
    with_stock(3, 1)
    # When an order wants 1 of product 2, 3 of product 1 and 2 of product 3
    response = api.create_order(order_of("REJ-1", (2, 1), (1, 3), (3, 2)))
    # Then it is 409 out_of_stock naming items 1 and 2 with the units available; nothing is written
    assert response.status_code == 409, response.content
    errors = response.json()["errors"]
    assert [(e["path"], e["code"]) for e in errors] == [
        ("order_item.1.product", "out_of_stock"),
        ("order_item.2.product", "out_of_stock"),
    ]
    assert "2 units available" in errors[0]["message"] and "1 units available" in errors[1]["message"]
    assert not Order.objects.filter(number="REJ-1").exists()
    assert [stock_row(p).sold_quantity_unreported for p in (1, 2, 3)] == [0, 0, 0]


def test_reject_counts_the_items_of_one_product_together(api, reserving_through):
    # Given a rejecting channel and product 1 with 3 units
    policy("reject")
    with_stock(1, 3)
    # When an order wants 2 of product 1 twice (each fits alone), and another 1 then 2 of it
    refused = api.create_order(order_of("REJ-SUM-1", (1, 2), (2, 1), (1, 2)))
    taken = api.create_order(order_of("REJ-SUM-2", (1, 1), (1, 2)))
    # Then the first is refused naming both items, the second takes the 3 units, none oversold
    assert refused.status_code == 409, refused.content
    assert [e["path"] for e in refused.json()["errors"]] == ["order_item.0.product", "order_item.2.product"]
    assert all("3 units available" in e["message"] for e in refused.json()["errors"])
    assert taken.status_code == 201, taken.content
    assert [item["oversold"] for item in items_of(api, taken)] == [False, False]
    assert stock_row(1).sold_quantity_unreported == 3 and stock_row(2).sold_quantity_unreported == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's one statement")
@pytest.mark.parametrize("stock_policy", ["reserve", "reject"])
@pytest.mark.parametrize("through", ["route", "lane"])
def test_a_reserving_create_is_one_statement_on_postgresql(
    api, token, stock_policy, through, reserving_through
):
    # Given a channel reserving stock (the key and channel lookups cached by a first order), and
    # the route or the create lane in front of Django's handler
    policy(stock_policy)
    api.create_order(order_of("ONE-0", (1, 1)))
    lane = CreateOrderLane(CountingApp())
    body = order_of("ONE-1", (1, 1), (2, 1), (3, 1))
    # When an order of 3 products is created
    with CaptureQueriesContext(connection) as captured:
        if through == "lane":
            status = int(call(lane, json.dumps(body), **auth(token)).status.split()[0])
        else:
            status = api.create_order(body).status_code
    # Then one statement locked and updated the stock rows and wrote the order and the events:
    # the row locks are held for that statement alone
    assert status == 201 and lane.app.calls == 0
    touching = [
        q["sql"]
        for q in captured
        if any(name in q["sql"] for name in ("catalog_productstock", "oms_reserve_stock(", "events_event"))
    ]
    assert len(touching) == 1
    stock = '"catalog_productstock"' if reserving_through == "statement" else "oms_reserve_stock("
    assert all(name in touching[0] for name in ('"orders_order"', stock, '"events_event"'))
    assert [stock_row(p).sold_quantity_unreported for p in (1, 2, 3)] == [2, 1, 1]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan of the one statement")
def test_the_reserving_statement_finds_its_stock_rows_by_index_in_a_stock_list_of_thousands(
    api, reserving_through
):
    # Given a reserving channel whose stock list holds 3,000 rows, analyzed
    policy("reserve")
    Product.objects.bulk_create(Product(sku=f"MANY-{n}", name="Many") for n in range(3000))
    ProductStock.objects.bulk_create(
        ProductStock(stock_list_id=1, product=p) for p in Product.objects.filter(sku__startswith="MANY-")
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    # When an order of 3 products is created, the plan of each statement it runs reported as
    # PostgreSQL keeps it prepared (generic), those the function (oms_reserve_stock) runs too
    plans = []

    def notice(diagnostic):
        message = diagnostic.message_primary or ""
        if "plan:" in message:
            plans.append(json.loads(message.split("plan:", 1)[1]))

    raw = connection.connection
    settings = {
        "auto_explain.log_min_duration": "0",
        "auto_explain.log_nested_statements": "on",
        "auto_explain.log_format": "json",
        "client_min_messages": "log",
        "plan_cache_mode": "force_generic_plan",
    }
    with connection.cursor() as cursor:
        cursor.execute("LOAD 'auto_explain'")
        for name, value in settings.items():
            cursor.execute("SELECT set_config(%s, %s, false)", [name, value])
    raw.add_notice_handler(notice)
    try:
        assert api.create_order(order_of("PLAN-1", (1, 1), (2, 1), (3, 1))).status_code == 201
    finally:
        raw.remove_notice_handler(notice)
        with connection.cursor() as cursor:
            cursor.execute(
                "SET auto_explain.log_min_duration = -1; RESET client_min_messages; RESET plan_cache_mode"
            )
    # Then no plan reads a stock row it does not want: with the rows looked up by a join, the
    # planner, counting on 100 items (a set-returning function's default), scanned the 3,000
    # rows of the list on every create
    scanned = [
        node["Node Type"]
        for plan in plans
        for node in _nodes(plan["Plan"])
        if node.get("Relation Name") == "catalog_productstock"
    ]
    assert scanned and "Seq Scan" not in scanned, scanned
    # and the stock rows are updated by the create statement itself, or by a command of its own
    # in the function when they are contended
    [updating] = [plan for plan in plans if _writes(plan, "Update", "catalog_productstock")]
    assert _writes(updating, "Insert", "events_event") is (reserving_through == "statement")


def _writes(plan: dict, operation: str, table: str) -> bool:
    return any(
        node.get("Operation") == operation and node.get("Relation Name") == table
        for node in _nodes(plan["Plan"])
    )


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


def test_reject_accepts_an_order_that_fits_exactly_and_a_replay_reserves_nothing_again(
    api, reserving_through
):
    # Given a rejecting channel and product 1 with exactly 2 units
    policy("reject")
    with_stock(1, 2)
    body = order_of("REJ-2", (1, 2))
    # When the order is sent twice (the second a retry)
    first = api.create_order(body)
    again = api.create_order(body)
    # Then it is created once, replayed once, and 2 units are reserved once
    assert (first.status_code, again.status_code) == (201, 200), again.content
    assert stock_row(1).sold_quantity_unreported == 2


def test_an_item_without_a_stock_row_is_a_shortfall(api, reserving_through):
    # Given product 3 without a stock row in the channel's stock list
    ProductStock.objects.filter(stock_list_id=1, product_id=3).delete()
    # When an order takes it under reserve, then under reject
    reserved = api.create_order(order_of("NOROW-1", (3, 1)))
    policy("reject")
    rejected = api.create_order(order_of("NOROW-2", (3, 1)))
    # Then the first is accepted and oversold, the second refused
    assert reserved.status_code == 201 and items_of(api, reserved)[0]["oversold"] is True
    assert rejected.status_code == 409 and "0 units available" in rejected.json()["detail"]


def test_ignore_leaves_the_stock_alone(api):
    # Given a channel that ignores stock
    policy("ignore")
    # When an order is created
    response = api.create_order(order_of("IGN-1", (1, 500)))
    # Then nothing is reserved
    assert response.status_code == 201 and response.json()["oversold"] is False
    assert stock_row(1).sold_quantity_unreported == 0


def test_bulk_under_reject_refuses_only_the_orders_that_do_not_fit(api):
    # Given a rejecting channel and product 1 with 3 units
    policy("reject")
    with_stock(1, 3)
    orders = [order_of("B-1", (1, 2)), order_of("B-2", (1, 2)), order_of("B-3", (1, 1))]
    # When three orders wanting 2, 2 and 1 come in one call (reject_failed), then in another
    # call under reject_everything one that does not fit
    response = api.post(BULK, {"orders": orders, "error_policy": "reject_failed"})
    everything = api.post(BULK, {"orders": [order_of("B-4", (2, 1)), order_of("B-5", (1, 1))]})
    # Then the first and third are created, the second refused; the second call writes nothing
    assert [r["status"] for r in response.json()["results"]] == ["created", "rejected", "created"]
    assert response.json()["results"][1]["errors"][0]["code"] == "out_of_stock"
    assert stock_row(1).sold_quantity_unreported == 3
    assert everything.status_code == 400
    assert everything.json()["errors"][0]["path"] == "orders.1.order_item.0.product"
    assert stock_row(2).sold_quantity_unreported == 0


def test_bulk_stock_ignore_needs_the_shared_grant(api, key_for):
    # Given a key with the shared grant and the channel's own key
    shared = ApiClient(key_for(1, shared=True))
    body = {"orders": [order_of("HIST-1", (1, 5))]}
    # When both ask for stock=ignore, and one asks for something else
    refused = api.post(BULK + "?stock=ignore", body)
    taken = shared.post(BULK + "?stock=ignore", body)
    unknown = shared.post(BULK + "?stock=reserve", body)
    # Then only the shared key may, and the order reserves nothing
    assert (refused.status_code, refused.json()["errors"][0]["path"]) == (403, "stock")
    assert taken.status_code == 200 and taken.json()["summary"]["created"] == 1
    assert (unknown.status_code, unknown.json()["errors"][0]["code"]) == (400, "invalid_choice")
    assert stock_row(1).sold_quantity_unreported == 0


def cancel(api, order_id: int, body: dict):
    return api.post(f"/api/v1/channel/1/orders/{order_id}/cancel/", body)


def test_cancel_gives_the_cancelled_items_units_back_once(api):
    # Given an order reserving 2 of product 1 and 3 of product 2
    created = api.create_order(order_of("C-1", (1, 2), (2, 3)))
    order = created.json()
    first, second = (item["pk"] for item in items_of(api, created))
    reason = make_reason()
    # When its first item is cancelled, then every item, then the first again
    one = cancel(api, order["pk"], {"cancel_items": [first], "reason": reason.pk})
    rest = cancel(api, order["pk"], {"is_all": True, "reason": reason.pk})
    again = cancel(api, order["pk"], {"cancel_items": [first], "reason": reason.pk})
    # Then each item's units come back once, and the history says so
    assert (one.status_code, rest.status_code, again.status_code) == (200, 200, 400)
    assert (stock_row(1).sold_quantity_unreported, stock_row(2).sold_quantity_unreported) == (0, 0)
    released = OrderHistory.objects.filter(order_id=order["pk"], kind="stock", to_value="released")
    assert sorted(released.values_list("item_id", flat=True)) == [first, second]


def test_a_cancellation_waiting_for_approval_keeps_the_units_until_confirmed(api):
    # Given a channel that confirms cancellations, and an order reserving 2 units
    Channel.objects.filter(pk=1).update(cancellation_mode="approval")
    created = api.create_order(order_of("C-2", (1, 2)))
    order, item = created.json(), items_of(api, created)[0]["pk"]
    # When its item is cancelled (waiting), then the cancellation confirmed
    cancel(api, order["pk"], {"cancel_items": [item], "reason": make_reason().pk})
    waiting = stock_row(1).sold_quantity_unreported
    confirmed = api.patch(f"/api/v1/channel/1/order_items/{item}/", {"status": "cancelled"})
    # Then the units come back on confirmation only
    assert confirmed.status_code == 200, confirmed.content
    assert (waiting, stock_row(1).sold_quantity_unreported) == (2, 0)


def test_a_refund_status_change_gives_the_units_back(api):
    # Given a delivered order reserving 2 units
    item = items_of(api, api.create_order(order_of("C-3", (1, 2))))[0]["pk"]
    for status in ("preparing", "shipped", "delivered"):
        assert api.patch(f"/api/v1/channel/1/order_items/{item}/", {"status": status}).status_code == 200
    # When it is refunded
    refunded = api.patch(f"/api/v1/channel/1/order_items/{item}/", {"status": "refunded"})
    # Then its units are back
    assert refunded.status_code == 200, refunded.content
    assert stock_row(1).sold_quantity_unreported == 0


def test_the_history_records_each_reservation(api, reserving_through):
    # Given product 3 with 1 unit
    with_stock(3, 1)
    # When an order takes 1 of product 1 and 2 of product 3
    created = api.create_order(order_of("H-1", (1, 1), (3, 2)))
    # Then each item's reservation is in the order's history, the oversold one said so
    entries = api.get(f"/api/v1/channel/1/orders/{created.json()['pk']}/history/").json()["results"]
    assert [(e["kind"], e["to"], e["note"], e["changes"]["quantity"]) for e in entries] == [
        ("stock", "reserved", "", 1),
        ("stock", "reserved", "oversold", 2),
    ]


def test_channels_that_share_a_stock_list_never_sell_its_last_unit_twice(api, reserving_through, key_for):
    # Given channel 2 selling from channel 1's stock list (oms channel set 2 stock_list=1), both
    # refusing what is not there, and one unit of product 1 left
    call_command("channel", "set", "2", "stock_list=1", "stock_policy=reject", stdout=io.StringIO())
    policy("reject")
    with_stock(1, 1)
    channel_two = ApiClient(key_for(2))
    on_two = order_of("SHARED-2", (1, 1)) | {}
    on_two["order"] |= {"customer": 2, "shipping_address": 2, "billing_address": 2}
    # When the web store sells it, then the marketplace tries to
    first = api.create_order(order_of("SHARED-1", (1, 1)))
    second = channel_two.create_order(on_two, channel_id=2)
    # Then the first takes it and the second is refused, naming what is left
    assert first.status_code == 201, first.content
    assert second.status_code == 409, second.content
    assert second.json()["errors"][0]["code"] == "out_of_stock"
    assert "0 units available in stock list 1" in second.json()["detail"]
    assert (stock_row(1).sold_quantity_unreported, stock_row(1).adjusted_stock) == (1, 0)
    # and once the web store's order is cancelled, the marketplace can sell the unit
    order = Order.objects.get(number="SHARED-1")
    cancelled = cancel(api, order.pk, {"is_all": True, "reason": make_reason().pk})
    assert cancelled.status_code == 200, cancelled.content
    third = channel_two.create_order(
        on_two | {"order": on_two["order"] | {"number": "SHARED-3"}}, channel_id=2
    )
    assert third.status_code == 201, third.content
    assert stock_row(1).sold_quantity_unreported == 1
