"""The services the admin's actions call: the same write paths as the API, recorded as the user."""

import pytest
from django.contrib.auth import get_user_model

from oms.channels.models import Channel
from oms.core.errors import ValidationFailed
from oms.orders.models import OrderHistory
from oms.orders.services.manage import Actor, cancel_order, change_order_status
from oms.orders.tests.given import make_order, make_reason

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(demo):
    return Actor.for_user(get_user_model().objects.create_user("operator", password="x" * 12))


def test_change_order_status_moves_every_active_item_and_records_the_user(operator):
    # Given an order with three approved items, one of them cancelled
    order = make_order("ADM-1", items=3)
    channel = Channel.objects.get(pk=1)
    first = order.orderitem_set.order_by("id").first()
    cancel_order(
        channel=channel,
        order_id=order.pk,
        payload={"cancel_items": [first.pk], "reason": make_reason().pk},
        actor=operator,
    )
    # When the operator moves the order to preparing
    changed = change_order_status(
        channel=channel, order_id=order.pk, status="preparing", actor=operator, note="picked"
    )
    # Then the two active items moved, the cancelled one stayed, and the history names the operator
    statuses = sorted(order.orderitem_set.values_list("status", flat=True))
    assert statuses == ["cancelled", "preparing", "preparing"] and changed.status == "preparing"
    moves = OrderHistory.objects.filter(order=order, kind="status")
    assert moves.count() == 2
    assert {(e.actor, e.user_id, e.api_key_id, e.note) for e in moves} == {
        ("user:operator", operator.user_id, None, "picked")
    }


def test_change_order_status_refuses_when_any_item_cannot_move(operator):
    # Given an order with one approved and one shipped item
    order = make_order("ADM-2", items=2)
    second = order.orderitem_set.order_by("id").last()
    second.status = "shipped"
    second.save()
    channel = Channel.objects.get(pk=1)
    recorded = list(OrderHistory.objects.filter(order=order))  # its items' reservations
    # When the operator moves it to preparing
    with pytest.raises(ValidationFailed) as refused:
        change_order_status(channel=channel, order_id=order.pk, status="preparing", actor=operator)
    # Then it is refused naming the shipped item, and nothing moved or was recorded
    assert [p.path for p in refused.value.problems] == [f"orderitem_set.{second.pk}.status"]
    assert sorted(order.orderitem_set.values_list("status", flat=True)) == ["approved", "shipped"]
    assert list(OrderHistory.objects.filter(order=order)) == recorded


def test_change_order_status_refuses_cancelling_and_unknown_statuses(operator):
    # Given an approved order
    order = make_order("ADM-3")
    channel = Channel.objects.get(pk=1)
    # When the operator tries to cancel it by status, or to set a status that does not exist
    with pytest.raises(ValidationFailed) as by_status:
        change_order_status(channel=channel, order_id=order.pk, status="cancelled", actor=operator)
    with pytest.raises(ValidationFailed) as unknown:
        change_order_status(channel=channel, order_id=order.pk, status="lost", actor=operator)
    # Then both are refused
    assert by_status.value.problems[0].code == "invalid_transition"
    assert unknown.value.problems[0].code == "invalid_choice"
