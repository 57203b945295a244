"""Admin actions change orders through the services, never by editing fields."""

import pytest
from django.test import Client

from oms.catalog.models import ProductStock
from oms.orders.models import CancellationReason, Order, OrderHistory
from oms.orders.tests.given import make_reason
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
    # Given an approved order and an active cancel reason (made here: a transactional test run
    # before this one on its worker flushed the ones the migration seeds)
    make_reason()
    api.create_order(minimal_body("ADM-3"))
    order = Order.objects.get(number="ADM-3")
    # When the operator cancels it
    run_action(operator, "cancel_all_items", order)
    # Then its items are cancelled
    order.refresh_from_db()
    assert set(order.orderitem_set.values_list("status", flat=True)) == {"cancelled"}
    assert order.status == "cancelled"


def test_cancel_action_gives_the_stock_back_and_oversold_orders_are_filtered(api, operator):
    # Given an order reserving one unit of product 1, and an oversold order (product 2 has none)
    ProductStock.objects.filter(stock_list_id=1, product_id=2).update(stock=0, sold_quantity_unreported=0)
    api.create_order(minimal_body("ADM-4"))
    oversold = minimal_body("ADM-5")
    oversold["order_item"][0]["product"] = 2
    api.create_order(oversold)
    row = ProductStock.objects.get(stock_list_id=1, product_id=1)
    order = Order.objects.get(number="ADM-4")
    # When the operator cancels the first, and lists oversold orders
    CancellationReason.objects.create(code="admin_test", reason="test")
    run_action(operator, "cancel_all_items", order)
    listed = operator.get(CHANGELIST, {"oversold__exact": "1"}).content.decode()
    # Then its unit is back, and only the oversold order is listed
    assert ProductStock.objects.get(pk=row.pk).sold_quantity_unreported == row.sold_quantity_unreported - 1
    assert "ADM-5" in listed and "ADM-4" not in listed


def test_stock_rows_show_stock_reserved_and_adjusted_and_an_edit_keeps_reservations(operator):
    # Given a stock row with reservations
    row = ProductStock.objects.get(stock_list_id=1, product_id=1)
    ProductStock.objects.filter(pk=row.pk).update(stock=50, sold_quantity_unreported=7)
    # When the operator lists the rows, then changes the figure while an order reserves one more
    page = operator.get("/admin/catalog/productstock/").content.decode()
    form = operator.get(f"/admin/catalog/productstock/{row.pk}/change/")
    ProductStock.objects.filter(pk=row.pk).update(sold_quantity_unreported=8)
    saved = operator.post(
        f"/admin/catalog/productstock/{row.pk}/change/",
        {"stock_list": 1, "product": 1, "stock": 60, "unit_type": "qty"},
    )
    # Then the list shows the three figures, and the edit changed the figure only
    assert form.status_code == 200 and saved.status_code == 302, saved.content.decode()[:2000]
    assert "Sold quantity unreported" in page and "Adjusted stock" in page and ">43<" in page
    row.refresh_from_db()
    assert (row.stock, row.sold_quantity_unreported) == (60, 8)
