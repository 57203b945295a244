"""create_order called directly: what it guarantees and what it raises."""

import pytest

from oms.catalog.tests.factories import ProductFactory
from oms.channels.models import Channel
from oms.core.errors import Conflict, ValidationFailed
from oms.customers.tests.factories import AddressFactory
from oms.orders.models import Order, OrderItem
from oms.orders.services import create_order
from oms.orders.tests.payloads import minimal_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(demo) -> Channel:
    return Channel.objects.get(pk=1)


def test_creates_order_and_items_in_one_go(channel):
    # Given a valid request for a new channel customer and product
    address = AddressFactory(customer__channel=channel)
    product = ProductFactory()
    body = minimal_body(
        "S-1", customer=address.customer_id, shipping_address=address.pk, billing_address=address.pk
    )
    body["order_item"] = [
        {"product": product.pk, "price": "60.00"},
        {"product": product.pk, "price": "40.00"},
    ]
    # When it is created
    result = create_order(channel=channel, payload=body)
    # Then the order and both items are stored, with the product snapshot
    assert not result.replayed
    assert Order.objects.get(pk=result.order.pk).orderitem_set.count() == 2
    assert {item.product_sku for item in result.items} == {product.sku}


def test_reports_schema_and_reference_problems_together_and_writes_nothing(channel):
    # Given a request with a bad status and an unknown product
    body = minimal_body("S-2", status="foo")
    body["order_item"][0]["product"] = 987
    before = (Order.objects.count(), OrderItem.objects.count())
    # When it is created
    with pytest.raises(ValidationFailed) as raised:
        create_order(channel=channel, payload=body)
    # Then both problems are reported at once and nothing is written
    found = {(p.path, str(p.code)) for p in raised.value.problems}
    assert found == {("order.status", "invalid_choice"), ("order_item.0.product", "not_found")}
    assert (Order.objects.count(), OrderItem.objects.count()) == before


def test_same_request_twice_is_a_replay_and_a_changed_one_a_conflict(channel):
    # Given an order already created
    first = create_order(channel=channel, payload=minimal_body("S-3"))
    # When the same request comes again, then a changed one
    again = create_order(channel=channel, payload=minimal_body("S-3"))
    # Then the first is a replay of the stored order, the second a Conflict
    assert again.replayed and again.order.pk == first.order.pk
    with pytest.raises(Conflict):
        create_order(channel=channel, payload=minimal_body("S-3", notes="changed"))
    assert Order.objects.filter(number="S-3").count() == 1


def test_totals_mismatch_is_flagged_when_the_channel_warns(channel):
    # Given a channel that warns on totals and an order whose amount does not add up
    body = minimal_body("S-4", amount="90.00")
    # When it is created
    result = create_order(channel=channel, payload=body)
    # Then it is stored, flagged with the computed figures, and a warning is returned
    order = Order.objects.get(pk=result.order.pk)
    assert order.totals_mismatch is True
    assert order.totals_computed["amount"] == "100.00"
    assert any("Totals" in w for w in result.warnings)


def test_totals_mismatch_is_refused_when_the_channel_rejects(channel):
    # Given a channel that rejects totals mismatches
    channel.totals_check = Channel.TotalsCheck.REJECT
    channel.save()
    # When an order whose amount does not add up is created
    with pytest.raises(ValidationFailed) as raised:
        create_order(channel=channel, payload=minimal_body("S-5", amount="90.00"))
    # Then it is refused naming order.amount
    assert [(p.path, str(p.code)) for p in raised.value.problems] == [("order.amount", "mismatch")]
