"""One type for a created order: every path that hands an order on (create, bulk, replay, read)
hands out stored `Order` and `OrderItem` instances, alike to what the ORM reads."""

import pytest
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models.signals import post_init, pre_init
from django.test.utils import CaptureQueriesContext

from oms.channels.models import Channel
from oms.orders.models import Order, OrderItem
from oms.orders.selectors import get_order
from oms.orders.services import OrderCreated, create_order
from oms.orders.services import bulk as bulk_service
from oms.orders.services.bulk import BulkStatus, ErrorPolicy, create_orders_bulk
from oms.orders.tests.payloads import every_kind_body, minimal_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(demo) -> Channel:
    return Channel.objects.get(pk=1)


def _assert_stored_instances(order: Order, items: list[OrderItem]) -> None:
    assert type(order) is Order and {type(item) for item in items} == {OrderItem}
    for instance in (order, *items):
        assert instance.pk is not None and not instance._state.adding
        assert instance._state.db == DEFAULT_DB_ALIAS
        assert instance.get_deferred_fields() == set()
    assert [item.order_id for item in items] == [order.pk] * len(items)


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_create_replay_bulk_and_read_hand_out_the_same_types(channel):
    # Given an order created, the same request again, and a bulk call with a new order, a replay
    # of the stored one and a replay of the new one within the batch
    created = create_order(channel=channel, payload=minimal_body("TYPE-1"))
    replayed = create_order(channel=channel, payload=minimal_body("TYPE-1"))
    outcome = create_orders_bulk(
        channel=channel,
        payloads=[minimal_body("TYPE-2"), minimal_body("TYPE-1"), minimal_body("TYPE-2")],
        error_policy=ErrorPolicy.REJECT_EVERYTHING,
    )
    # When the order is read back
    read = get_order(channel=channel, order_id=created.order.pk)
    # Then every path handed out stored Orders and OrderItems
    assert not created.replayed and replayed.replayed
    assert [r.status for r in outcome.results] == [
        BulkStatus.CREATED,
        BulkStatus.REPLAYED,
        BulkStatus.REPLAYED,
    ]
    answers: list[OrderCreated] = [created, replayed, *(r.created for r in outcome.results)]
    for answer in answers:
        _assert_stored_instances(answer.order, answer.items)
    _assert_stored_instances(read, list(read.orderitem_set.all()))


def test_a_created_order_holds_what_reading_it_back_gives(channel):
    # Given an order with each kind of column, a cargo company and a payment option
    body = every_kind_body("TYPE-3")
    body["order"].update(cargo_company=1, payment_option=1)
    # When it is created
    created = create_order(channel=channel, payload=body)
    # Then its columns are those read back, and the related rows the answer reads are loaded
    stored = Order.objects.get(pk=created.order.pk)
    assert _fields(created.order) == _fields(stored)
    assert [_fields(item) for item in created.items] == [
        _fields(item) for item in stored.orderitem_set.order_by("id")
    ]
    with CaptureQueriesContext(connection) as queries:
        code, strategy = created.order.cargo_company.code, created.order.payment_option.first_refund_strategy
    assert (code, strategy) == (stored.cargo_company.code, stored.payment_option.first_refund_strategy)
    assert len(queries) == 0
    # and a related row's other columns load when read, as after .only()
    assert created.order.cargo_company.name == stored.cargo_company.name


def test_a_created_order_saves_as_a_stored_one(channel):
    # Given a created order
    created = create_order(channel=channel, payload=minimal_body("TYPE-4"))
    # When it is changed and saved
    created.order.notes = "changed"
    created.order.save(update_fields=["notes"])
    # Then the stored row is updated, not a second one inserted
    assert Order.objects.get(pk=created.order.pk).notes == "changed"
    assert Order.objects.filter(number="TYPE-4").count() == 1


def test_instances_are_built_without_init_only_while_no_init_signal_is_listened_to():
    # Given the models of a created order
    models = (Order, OrderItem)
    # When their init signals' receivers are looked up
    listened = [model for model in models for signal in (pre_init, post_init) if signal.has_listeners(model)]
    # Then there is none: store.new_instance skips Model.__init__ and would skip them
    assert listened == []


def test_a_bulk_insert_that_raced_settles_each_order_as_the_same_type(channel, monkeypatch):
    # Given a stored order, and a bulk call that does not see it before inserting (as when another
    # request stores it in between)
    create_order(channel=channel, payload=minimal_body("TYPE-5"))
    monkeypatch.setattr(bulk_service, "_stored_orders", lambda channel, numbers: [])
    # When the bulk call sends it again with a new order
    outcome = create_orders_bulk(
        channel=channel,
        payloads=[minimal_body("TYPE-6"), minimal_body("TYPE-5")],
        error_policy=ErrorPolicy.REJECT_FAILED,
    )
    # Then the batch's insert failed and each order was settled alone: created and replayed,
    # both as stored instances
    assert [r.status for r in outcome.results] == [BulkStatus.CREATED, BulkStatus.REPLAYED]
    for result in outcome.results:
        _assert_stored_instances(result.created.order, result.created.items)
    new = outcome.results[0].created
    assert Order.objects.get(number="TYPE-6").pk == new.order.pk
    assert list(OrderItem.objects.filter(order=new.order).values_list("pk", flat=True)) == [
        item.pk for item in new.items
    ]
