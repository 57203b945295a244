"""The operator admin through HTTP: logging in, the order list and page, every reference model."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from oms.channels.models import CargoCompany, Channel
from oms.customers.models import Address
from oms.customers.services import address_fingerprint
from oms.orders.models import Order
from oms.orders.services import create_order
from oms.orders.tests.payloads import minimal_body

pytestmark = pytest.mark.django_db
ORDERS = "/admin/orders/order/"


@pytest.fixture
def seed_order(api, seed_body) -> Order:
    response = api.create_order(seed_body)
    assert response.status_code == 201, response.content
    return Order.objects.get(pk=response.json()["pk"])


def test_the_admin_needs_a_login(demo):
    # Given no session
    # When the order list is opened
    response = Client().get(ORDERS)
    # Then the login page is shown instead
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_the_order_list_shows_what_an_operator_needs(operator, seed_order):
    # Given the demo order and the seed order
    # When the order list is opened
    response = operator.get(ORDERS)
    # Then both are listed with number, channel, status, amount, currency, customer and date
    assert response.status_code == 200
    html = response.content.decode()
    for text in [
        "1234567890",
        "DEMO-0001",
        "Demo web store (#1)",
        "Cancellation Waiting",
        "try",
        "customer1@example.com",
    ]:
        assert text in html, text
    for column in ["column-number", "column-channel", "column-status", "column-amount", "column-date_placed"]:
        assert column in html


def test_the_order_list_searches_by_number_and_customer_email(operator, seed_order):
    # Given the demo order and the seed order, both of customer1@example.com
    # When the list is searched by the seed's number and by the customer's email
    by_number = operator.get(ORDERS, {"q": "1234567890"}).context["cl"]
    by_email = operator.get(ORDERS, {"q": "customer1@example.com"}).context["cl"]
    # Then the right orders are found
    assert [order.number for order in by_number.result_list] == ["1234567890"]
    assert {order.number for order in by_email.result_list} == {"1234567890", "DEMO-0001"}


def test_the_order_list_filters_by_channel_status_date_and_mismatch(operator, seed_order):
    # Given the demo order (approved) and the seed (cancellation_waiting), both placed 2025-01-01,
    # and an order placed in May
    create_order(
        channel=seed_order.channel, payload=minimal_body("MAY-1", date_placed="2025-05-22T10:00:00Z")
    )

    def numbers(**params) -> set[str]:
        response = operator.get(ORDERS, params)
        assert response.status_code == 200
        return {order.number for order in response.context["cl"].result_list}

    # When the list is filtered
    # Then each filter narrows it
    assert numbers(channel__id__exact="1") == {"1234567890", "DEMO-0001", "MAY-1"}
    assert numbers(channel__id__exact="2") == set()
    assert numbers(status__exact="approved") == {"DEMO-0001", "MAY-1"}
    assert numbers(
        date_placed__gte="2025-05-01T00:00:00+00:00", date_placed__lt="2025-06-01T00:00:00+00:00"
    ) == {"MAY-1"}
    assert numbers(totals_mismatch__exact="1") == {
        o.number for o in Order.objects.filter(totals_mismatch=True)
    }


def test_the_order_page_shows_every_field_items_and_links_read_only(operator, seed_order):
    # Given the seed order
    url = reverse("admin:orders_order_change", args=[seed_order.pk])
    # When its page is opened
    response = operator.get(url)
    # Then it shows its fields, its item and links to customer, addresses and product, without a save button
    assert response.status_code == 200
    html = response.content.decode()
    shown = {field for _, options in response.context["adminform"].fieldsets for field in options["fields"]}
    concrete = {f.name for f in Order._meta.get_fields() if f.concrete and not f.auto_created}
    assert concrete <= shown
    assert "DEMO-TSHIRT-M" in html and "Demo T-shirt, M" in html
    assert reverse("admin:customers_customer_change", args=[seed_order.customer_id]) in html
    assert reverse("admin:customers_address_change", args=[seed_order.shipping_address_id]) in html
    assert reverse("admin:catalog_product_change", args=[1]) in html
    assert 'name="_save"' not in html


def test_orders_cannot_be_added_changed_or_deleted_in_the_admin(operator, seed_order):
    # Given the seed order
    change = reverse("admin:orders_order_change", args=[seed_order.pk])
    # When an operator tries to add, change or delete an order
    add = operator.get(reverse("admin:orders_order_add"))
    post = operator.post(change, {"number": "HACKED", "status": "delivered"})
    delete = operator.post(reverse("admin:orders_order_delete", args=[seed_order.pk]), {"post": "yes"})
    # Then every attempt is refused and the order is unchanged
    assert (add.status_code, post.status_code, delete.status_code) == (403, 403, 403)
    seed_order.refresh_from_db()
    assert (seed_order.number, seed_order.status) == ("1234567890", "cancellation_waiting")


def test_the_order_list_costs_the_same_queries_for_many_orders(operator, demo, seed_body):
    # Given 1 order, then 15 more
    def listing_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert operator.get(ORDERS).status_code == 200
        return len(queries.captured_queries)

    few = listing_queries()
    channel = Channel.objects.get(pk=1)
    for n in range(15):
        create_order(channel=channel, payload=minimal_body(number=f"ADMIN-{n}"))
    # When the list is opened again
    many = listing_queries()
    # Then the number of queries did not grow with the orders
    assert many == few


def test_every_model_has_a_working_list_search_and_page(operator, seed_order):
    # Given every model registered in the admin
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        # When its list is opened (searched, where it has a search) and its first row's page
        listed = operator.get(changelist, {"q": "1"} if model_admin.search_fields else {})
        first = model._default_manager.order_by("pk").first()
        page = (
            operator.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk]))
            if first
            else None
        )
        # Then each answers
        assert listed.status_code == 200, meta.label
        assert page is None or page.status_code == 200, meta.label


def test_a_reference_model_is_edited(operator):
    # Given the demo cargo company UPS
    url = reverse("admin:channels_cargocompany_change", args=[2])
    # When an operator changes its ERP code
    response = operator.post(url, {"name": "UPS", "code": "ups", "erp_code": "UPS-TR", "is_active": "on"})
    # Then it is saved
    assert response.status_code == 302, response.content
    assert CargoCompany.objects.get(pk=2).erp_code == "UPS-TR"


def test_an_address_saved_in_the_admin_gets_its_fingerprint_and_no_twin(operator):
    # Given an address form for customer 1
    form = {
        "customer": "1",
        "address_type": "customer",
        "title": "Office",
        "line": "Rıhtım Cd. 3",
        "country": "1",
        "city": "1",
        "is_active": "on",
    }
    add = reverse("admin:customers_address_add")
    # When it is added, then added again
    first = operator.post(add, form)
    twin = operator.post(add, form)
    # Then the first is saved with the fingerprint the API computes, and the twin is refused
    assert first.status_code == 302, first.content
    address = Address.objects.get(title="Office")
    assert address.hash_data == address_fingerprint(address)
    assert twin.status_code == 200 and "already has this address" in twin.content.decode()
    assert Address.objects.filter(title="Office").count() == 1


def test_api_and_admin_agree_on_the_fingerprint(operator, api):
    # Given an address created through the API
    body = {"customer": 1, "country": 1, "city": 1, "line": "Moda Cd. 9", "title": "Flat"}
    created = api.post("/api/v1/channel/1/addresses/", body).json()
    # When the same address is added in the admin
    form = {
        "customer": "1",
        "address_type": "customer",
        "title": "Flat",
        "line": "Moda Cd. 9",
        "country": "1",
        "city": "1",
        "is_active": "on",
    }
    response = operator.post(reverse("admin:customers_address_add"), form)
    # Then it is refused as the same address
    assert response.status_code == 200
    assert created["hash_data"] in response.content.decode()
