"""The outbox: every write path records its event in its own transaction, read back through the
pull feed (GET channel/{id}/events/) in commit order."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client

from conftest import ApiClient
from oms.access.services import clear_key_cache
from oms.catalog.models import ProductStock
from oms.channels.models import Channel
from oms.events.models import Event, ExactEncoder
from oms.orders.api.lane import CreateOrderLane
from oms.orders.models import Order
from oms.orders.services import create_order
from oms.orders.tests.given import cancel_url, item_url, make_order, make_reason, order_url, patch
from oms.orders.tests.payloads import minimal_body
from oms.orders.tests.test_lane import CountingApp, auth, call

pytestmark = pytest.mark.django_db
FEED = "/api/v1/channel/{}/events/"


def feed(api, channel_id: int = 1, **params) -> dict:
    response = api.get(FEED.format(channel_id), **params)
    assert response.status_code == 200, response.content
    return response.json()


def events(api, channel_id: int = 1, **params) -> list[dict]:
    """The channel's events since the demo data's (its order has one)."""
    params.setdefault("after", START.get(channel_id, ""))
    return feed(api, channel_id, limit=1000, **params)["results"]


START: dict[int, str] = {}


@pytest.fixture(autouse=True)
def _after_the_demo_data(api):
    # The order events alone: the stock.changed of reservations are tested on their own below.
    Channel.objects.update(stock_policy=Channel.StockPolicy.IGNORE)
    clear_key_cache()
    START.clear()
    START.update({channel: feed(api, channel, limit=1000)["next"] for channel in (1,)})


def test_a_create_through_the_lane_records_order_created_with_the_detail_answer(api, token):
    # Given an order body
    body = minimal_body("EV-LANE-1")
    body["order_item"].append({"product": 2, "price": "5.50"})
    body["order"]["amount"] = "105.50"
    # When the create lane takes it
    lane = CreateOrderLane(CountingApp())
    answer = call(lane, json.dumps(body), **auth(token))
    # Then it was the lane's answer, and one order.created event holds the order as GET answers it
    assert answer.status.startswith("201") and lane.app.calls == 0
    order_id = answer.json()["pk"]
    [event] = events(api)
    assert (event["type"], event["channel"]) == ("order.created", 1)
    assert event["id"].startswith("evt_")
    assert event["data"] == api.get(order_url(order_id)).json()
    assert [row["pk"] for row in event["data"]["orderitem_set"]] == sorted(
        row["pk"] for row in event["data"]["orderitem_set"]
    )


def test_money_in_event_data_is_written_exactly(api):
    # Given an order created through Django's handler
    api.create_order(minimal_body("EV-MONEY"))
    # When the feed is read
    text = api.get(FEED.format(1)).content.decode()
    # Then money is written as the detail endpoint writes it
    assert '"amount":100.00' in text


@pytest.mark.parametrize("policy", [Channel.StockPolicy.IGNORE, Channel.StockPolicy.RESERVE])
def test_order_created_data_keeps_the_detail_answers_key_order(api, policy):
    # Given a channel reserving stock or not (PostgreSQL: two create statements)
    Channel.objects.filter(pk=1).update(stock_policy=policy)
    clear_key_cache()
    # and an order whose JSON holds a newline (the create statement reads answers by line)
    extra = {"z": 1, "a": [1.10, {"y": None}], "note": "two\nlines, a\ttab"}
    created = api.create_order(minimal_body("EV-KEYS-1", extra_field=extra))
    assert created.status_code == 201, created.content
    # When the feed is read
    [event] = events(api, type="order.created")
    # Then the data is the detail answer key for key, in its order (jsonb sorted them)
    detail = api.get(order_url(created.json()["pk"])).json()
    assert event["data"] == detail
    assert list(event["data"]) == list(detail)
    assert [list(row) for row in event["data"]["orderitem_set"]] == [
        list(row) for row in detail["orderitem_set"]
    ]
    assert event["data"]["extra_field"] == extra and list(event["data"]["extra_field"]) == ["z", "a", "note"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's column type")
def test_event_data_is_text_compressed_with_lz4():
    # Given an order with enough items for its event's data to be compressed in its row
    body = minimal_body("EV-LZ4", amount="1000.00")
    body["order_item"] = [{"product": 1, "price": "100.00"} for _ in range(10)]
    create_order(channel=Channel.objects.get(pk=1), payload=body)
    # When its row is read
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_typeof(data)::text, pg_column_compression(data) FROM events_event "
            "WHERE type = 'order.created' AND data::text LIKE %s",
            ['%"EV-LZ4"%'],
        )
        # Then the data is text (kept as written, not parsed into jsonb), compressed with lz4
        assert cursor.fetchall() == [("text", "lz4")]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's column type")
def test_a_process_of_the_release_before_reads_the_event_data_as_it_did():
    from django.db import models

    # Given an order's event written by this release
    order = create_order(channel=Channel.objects.get(pk=1), payload=minimal_body("EV-ROLLING")).order
    event = Event.objects.get(subject=f"order:{order.pk}")
    # When a replica still running the release before (its `data` a plain JSONField over jsonb)
    # reads the row during a rolling upgrade
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM events_event WHERE id = %s", [event.pk])
        (raw,) = cursor.fetchone()
    before = models.JSONField().from_db_value(raw, None, connection)
    # Then psycopg hands it the text, as it did jsonb, and it decodes the same data
    assert isinstance(raw, str)
    assert before == json.loads(json.dumps(event.data, cls=ExactEncoder))


def test_a_replay_and_a_refused_create_record_nothing(api):
    # Given an order created once
    api.create_order(minimal_body("EV-REPLAY"))
    # When it is sent again, and a create with an unknown product is refused
    assert api.create_order(minimal_body("EV-REPLAY")).status_code == 200
    bad = minimal_body("EV-BAD")
    bad["order_item"][0]["product"] = 987
    assert api.create_order(bad).status_code == 400
    # Then only the first create has an event
    assert [e["type"] for e in events(api)] == ["order.created"]


def test_a_rolled_back_create_leaves_no_event(api):
    # Given a create inside a transaction that is then rolled back
    channel = Channel.objects.get(pk=1)
    with pytest.raises(RuntimeError), transaction.atomic():
        create_order(channel=channel, payload=minimal_body("EV-ROLLBACK"))
        raise RuntimeError("rolled back")
    # Then neither the order nor its event exists
    assert not Order.objects.filter(number="EV-ROLLBACK").exists()
    assert events(api) == []


def test_bulk_and_import_record_one_event_per_created_order(api, tmp_path):
    # Given two orders posted in bulk and a file of two more, one of them a replay
    response = api.post(
        "/api/v1/channel/1/create_orders/bulk/", {"orders": [minimal_body("EV-B1"), minimal_body("EV-B2")]}
    )
    assert response.status_code in (200, 201, 207), response.content
    path = tmp_path / "orders.jsonl"
    path.write_text(json.dumps(minimal_body("EV-B2")) + "\n" + json.dumps(minimal_body("EV-I1")) + "\n")
    # When the file is imported
    call_command("import", str(path), "--channel", "1", stdout=io.StringIO(), stderr=io.StringIO())
    # Then each created order has one order.created event whose data is its detail answer
    found = events(api)
    numbers = [e["data"]["number"] for e in found]
    assert numbers == ["EV-B1", "EV-B2", "EV-I1"]
    for event in found:
        assert event["data"] == api.get(order_url(event["data"]["pk"])).json()


def test_item_patch_cancel_and_status_change_record_their_events(api):
    # Given an order with two items
    order = make_order("EV-MANAGE", items=2)
    first, second = order.orderitem_set.order_by("id")
    # When an item gets an invoice number, then is cancelled, then the other item moves on
    assert patch(api, item_url(first.pk), {"invoice_number": "INV-1"}).status_code == 200
    reason = make_reason()
    response = api.post(
        cancel_url(order.pk), {"cancel_items": [first.pk], "reasons": {str(first.pk): reason.pk}}
    )
    assert response.status_code == 200, response.content
    assert patch(api, item_url(second.pk), {"status": "preparing"}).status_code == 200
    # Then each change has its event, in order, each holding the order as it stood then
    found = events(api)
    assert [e["type"] for e in found] == [
        "order.created",
        "order_item.updated",
        "order.cancelled",
        "order_item.updated",
        "order.updated",
    ]
    assert found[1]["data"]["orderitem_set"][0]["invoice_number"] == "INV-1"
    assert found[2]["data"]["orderitem_set"][0]["status"] == "cancelled"
    assert found[-1]["data"] == api.get(order_url(order.pk)).json()
    assert found[-1]["data"]["status"] == "preparing"


def test_a_patch_that_changes_nothing_records_nothing(api):
    # Given an order
    order = make_order("EV-NOOP")
    item = order.orderitem_set.get()
    # When its item is sent its current status
    assert patch(api, item_url(item.pk), {"status": "approved"}).status_code == 200
    # Then only the create has an event
    assert [e["type"] for e in events(api)] == ["order.created"]


def test_an_admin_action_records_order_updated(api, demo):
    # Given an order and a logged-in operator
    order = make_order("EV-ADMIN")
    operator = Client()
    assert operator.login(username="admin", password=demo.admin_password)
    # When the operator marks it preparing
    operator.post("/admin/orders/order/", {"action": "mark_preparing", "_selected_action": [order.pk]})
    # Then order.updated holds the order as preparing
    last = events(api)[-1]
    assert (last["type"], last["data"]["status"]) == ("order.updated", "preparing")


def test_stock_writes_record_stock_changed(api, key_for):
    # Given the catalog team's key
    catalog = ApiClient(key_for(shared=True))
    # When a stock row is updated alone and two rows are upserted in bulk
    stock = catalog.get("/api/v1/stock_lists/1/stocks/").json()["results"][0]
    assert catalog.patch(f"/api/v1/stock_lists/1/stocks/{stock['pk']}/", {"stock": 7}).status_code == 200
    response = catalog.post(
        "/api/v1/stock_lists/1/stocks/bulk_upsert/",
        {"rows": [{"product": stock["product"], "stock": 9}]},
    )
    assert response.status_code == 200, response.content
    # Then each write has a stock.changed event with the row as the stock endpoint answers it
    found = events(api, type="stock.changed")
    assert [e["data"]["stock"] for e in found] == [7, 9]
    assert found[-1]["data"] == catalog.get(f"/api/v1/stock_lists/1/stocks/{stock['pk']}/").json()


def test_the_feed_pages_by_cursor_without_missing_or_repeating(api):
    # Given five orders
    for n in range(5):
        make_order(f"EV-PAGE-{n}")
    # When the feed is read two at a time, each page after the last one's next
    seen, after = [], ""
    for _ in range(4):
        page = feed(api, limit=2, after=after)
        seen += [e["data"].get("number", "") for e in page["results"]]  # the demo has stock events too
        after = page["next"]
    # Then every event came once, in order, and the last empty page keeps the cursor
    seen = [number for number in seen if number.startswith("EV-")]
    assert seen == [f"EV-PAGE-{n}" for n in range(5)]
    assert feed(api, after=after) == {"results": [], "next": after}


def test_the_feed_is_the_channels_own_and_filters_by_type(api, key_for):
    # Given an order in channel 1 and one in channel 2
    make_order("EV-CH1")
    make_order("EV-CH2", channel_id=2)
    # When channel 2 reads its feed, and channel 1 asks for stock events only
    other = ApiClient(key_for(2))
    # Then each sees its own
    assert [e["data"]["number"] for e in events(other, 2)] == ["EV-CH2"]
    assert events(api, type="stock.changed") == []
    assert api.get(FEED.format(2)).status_code == 404


@pytest.mark.parametrize(
    ("params", "path", "code"),
    [
        ({"after": "abc"}, "after", "invalid_format"),
        ({"after": "1-99999999999999999999"}, "after", "out_of_range"),
        ({"limit": "0"}, "limit", "out_of_range"),
        ({"limit": "x"}, "limit", "invalid_type"),
        ({"type": "order.deleted"}, "type", "invalid_choice"),
    ],
)
def test_bad_feed_parameters_are_400_naming_them(api, params, path, code):
    # Given a bad query parameter
    # When the feed is read with it
    response = api.get(FEED.format(1), **params)
    # Then it is 400 naming the parameter
    assert response.status_code == 400
    assert [(e["path"], e["code"]) for e in response.json()["errors"]] == [(path, code)]


def test_reservations_releases_and_the_erp_record_their_events(api, key_for):
    # Given channel 1 reserving stock again
    Channel.objects.filter(pk=1).update(stock_policy=Channel.StockPolicy.RESERVE)
    clear_key_cache()
    # When an order reserves products 1 and 2, and the ERP marks it sent and confirms one item
    created = api.create_order(
        minimal_body("EV-STOCK-1")
        | {"order_item": [{"product": 1, "price": "50.00"}, {"product": 2, "price": "50.00"}]}
    )
    assert created.status_code == 201, created.content
    reserved = events(api, type="stock.changed")
    erp = ApiClient(key_for(erp=True))
    order_id = created.json()["pk"]
    assert erp.patch(f"/api/v1/orders/{order_id}/", {"is_send": True}).status_code == 200
    item = Order.objects.get(pk=order_id).orderitem_set.order_by("pk").first()
    mapped = erp.post(f"/api/v1/order_items/{item.pk}/create_mapping/", {"code": "L-1", "update_stock": True})
    assert mapped.status_code in (200, 201), mapped.content
    # Then each reserved row has a stock.changed with its figures after the reservation
    stocks = {row["pk"]: row for row in api.get("/api/v1/stock_lists/1/stocks/", limit=100).json()["results"]}
    assert sorted(e["data"]["product"] for e in reserved) == [1, 2]
    after_release = events(api, type="stock.changed")[len(reserved) :]
    assert [e["data"]["product"] for e in after_release] == [item.product_id]
    assert after_release[0]["data"] == stocks[after_release[0]["data"]["pk"]]
    [when_reserved] = [e["data"] for e in reserved if e["data"]["product"] == item.product_id]
    assert (
        after_release[0]["data"]["sold_quantity_unreported"] == when_reserved["sold_quantity_unreported"] - 1
    )
    # and the ERP's is_send is an order.updated
    updated = events(api, type="order.updated")
    assert [(e["data"]["number"], e["data"]["is_send"]) for e in updated] == [("EV-STOCK-1", True)]


def test_a_reservations_stock_changed_is_the_stock_endpoints_answer(api, reserving_through):
    # Given channel 1 reserving stock, product 2 with 1 unit, and product 1's row created on a
    # whole second (its date is written without a fraction, the other rows' with one)
    Channel.objects.filter(pk=1).update(stock_policy=Channel.StockPolicy.RESERVE)
    clear_key_cache()
    ProductStock.objects.filter(stock_list_id=1, product_id=1).update(
        created_date=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    )
    ProductStock.objects.filter(stock_list_id=1, product_id=2).update(stock=1, sold_quantity_unreported=0)
    # When an order reserves 1 of product 1 and 2 of product 2 (one past its stock)
    created = api.create_order(
        minimal_body("EV-STOCK-GET", amount="150.00")
        | {
            "order_item": [
                {"product": 1, "price": "50.00"},
                {"product": 2, "price": "100.00", "quantity": 2},
            ]
        }
    )
    assert created.status_code == 201, created.content
    # Then each row's stock.changed holds the row as the stock endpoint answers it, key for key
    # and in its order (the create statement's jsonb sorted them)
    reserved = {e["data"]["pk"]: e["data"] for e in events(api, type="stock.changed")}
    stocks = {row["pk"]: row for row in api.get("/api/v1/stock_lists/1/stocks/", limit=100).json()["results"]}
    assert sorted(row["product"] for row in reserved.values()) == [1, 2]
    assert reserved == {pk: stocks[pk] for pk in reserved}
    assert [list(row) for row in reserved.values()] == [list(stocks[pk]) for pk in reserved]
    assert [row["adjusted_stock"] for row in reserved.values() if row["product"] == 2] == [-1]
    # and the order's event holds it as the detail answers it, its oversold item flagged
    [event] = events(api, type="order.created")
    detail = api.get(order_url(created.json()["pk"])).json()
    assert event["data"] == detail
    assert (detail["oversold"], [item["oversold"] for item in detail["orderitem_set"]]) == (
        True,
        [False, True],
    )
