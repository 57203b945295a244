"""Admin actions change orders through the services, never by editing fields."""

import pytest
from django.test import Client

from oms.orders.models import Order, OrderHistory
from oms.orders.tests.payloads import minimal_body

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/orders/order/"


@pytest.fixture
def operator(demo):
    client = Client()
    assert client.login(username="admin", password=demo.admin_password)
    return client


def run_action(operator, action, *orders):
    return operator.post(
        CHANGELIST, {"action": action, "_selected_action": [o.pk for o in orders]}, follow=True
    )


def test_status_action_moves_items_through_the_transition_table_and_records_history(api, operator):
    # Given an approved order
    api.create_order(minimal_body("ADM-1"))
    order = Order.objects.get(number="ADM-1")
    # When the operator marks it preparing
    response = run_action(operator, "mark_preparing", order)
    # Then its items and the order moved, and the history names the operator
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == "preparing"
    assert set(order.orderitem_set.values_list("status", flat=True)) == {"preparing"}
    assert OrderHistory.objects.filter(order=order, actor="user:admin").exists()


def test_a_move_outside_the_table_is_reported_and_changes_nothing(api, operator):
    # Given an approved order
    api.create_order(minimal_body("ADM-2"))
    order = Order.objects.get(number="ADM-2")
    # When the operator tries to mark it delivered straight away
    response = run_action(operator, "mark_delivered", order)
    # Then the refusal is shown and nothing changed
    assert "ADM-2" in response.content.decode()
    order.refresh_from_db()
    assert order.status == "approved"


def test_cancel_action_cancels_every_active_item_with_a_reason(api, operator):
    # Given an approved order
    api.create_order(minimal_body("ADM-3"))
    order = Order.objects.get(number="ADM-3")
    # When the operator cancels it
    run_action(operator, "cancel_all_items", order)
    # Then its items are cancelled
    order.refresh_from_db()
    assert set(order.orderitem_set.values_list("status", flat=True)) == {"cancelled"}
    assert order.status == "cancelled"
