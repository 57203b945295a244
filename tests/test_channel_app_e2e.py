"""End to end: Akinon's channel-app (0.0.161, on omnisdk 0.0.103) runs its own order pipeline
against oms, unchanged.

oms serves on a live port (pytest-django's live server) over the test database; channel-app's
`OrderService` runs in this process with the channel side in tests/channel_app_side, configured
through its environment variables as a worker is, and keeps its login token in a Redis started
here on a free loopback port. Only the base URL is set after import: channel-app insists on an
https:// URL at import time, and the live server speaks plain HTTP.
"""

from __future__ import annotations

import gc
from types import SimpleNamespace

import pytest
import requests

from oms.catalog.models import PriceList, StockList
from oms.channels.models import CargoCompany, Channel
from oms.customers.models import Address, Customer
from oms.demo import load_demo
from oms.integrations.models import (
    BatchRequest,
    CancellationRequest,
    Catalog,
    ChannelConf,
    ErrorReport,
    IntegrationAction,
)
from oms.orders.models import CancellationReason, Order, OrderItem
from tests.channel_app_side.live import (
    PASSWORD,
    USERNAME,
    Api,
    import_channel_app_settings,
    point_channel_app,
    user_with_key,
)
from tests.channel_app_side.marketplace import MARKETPLACE

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REASON_CODE = "CUSTOMER_CHANGED_MIND"
# The demo's marketplace channel: every order in it comes from the marketplace.
CHANNEL = 2


# --- Redis and channel-app -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def channel_app_settings(redis_port):
    return import_channel_app_settings(redis_port, CHANNEL)


@pytest.fixture
def oms(live_server, channel_app_settings, redis_port, monkeypatch, settings):
    """A fresh oms: the demo data, a user for channel-app granted channel 1, the channel's
    configuration and catalog, its product ids mapped, and a carrier on the second page of
    cargos/. channel-app is pointed at it; a retry (after a 5xx or a broken connection) fails
    the test at once instead of sleeping ten seconds."""
    # A fast hasher: the password is checked at every login, and this is not what is tested.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_demo()
    channel = Channel.objects.get(pk=CHANNEL)
    key = user_with_key(channel)
    reason = CancellationReason.objects.create(reason="Customer changed their mind", code="changed-mind")
    ChannelConf.objects.create(
        channel=channel,
        conf={"reason_mapping": {REASON_CODE: reason.pk}, "cancellation_reason_id": reason.pk},
    )
    catalog = Catalog.objects.create(
        channel=channel,
        name="Marketplace catalog",
        price_list=PriceList.objects.get(channel=channel),
        stock_list=StockList.objects.get(channel=channel),
    )
    for n in range(11):
        CargoCompany.objects.create(name=f"Carrier {n}", code=f"carrier-{n}", erp_code=f"C{n}")
    aras = CargoCompany.objects.create(name="Aras Kargo", code="aras", erp_code="ARAS")
    api = Api(live_server.url, key)
    for remote_id, product in [("MP-TSHIRT", 1), ("MP-MUG", 2), ("MP-CAP", 3)]:
        api.post(
            f"channel/{CHANNEL}/integration_actions/",
            content_type="product",
            object_id=product,
            remote_id=remote_id,
        )

    point_channel_app(
        monkeypatch, live_server, channel_app_settings, catalog=catalog.pk, redis_port=redis_port
    )
    MARKETPLACE.reset()
    yield SimpleNamespace(channel=channel, reason=reason, cargo=aras, api=api)
    # A kept-alive connection keeps its server thread, and that thread its database connection.
    api.session.close()
    gc.collect()


def order_service():
    from channel_app.app.order.service import OrderService

    return OrderService()


# --- the remote channel's data -------------------------------------------------------------------


def _address(line: str) -> dict:
    return {
        "email": "ayse@example.com",
        "phone_number": "05551112233",
        "first_name": "Ayşe",
        "last_name": "Yılmaz",
        "country": "Türkiye",
        "city": "İstanbul",
        "township": "Kadıköy",
        "district": "Caferağa",
        "line": line,
        "postcode": "34710",
    }


def _remote_order(number: str, lines: list[tuple[str, str, str]], address_line: str = "Moda Cd. 5") -> dict:
    amount = sum(float(price) for _, _, price in lines)
    return {
        "order": {
            "remote_id": number,
            "number": number,
            "status": "400",
            "channel": str(CHANNEL),
            "currency": "TRY",
            "amount": f"{amount:.2f}",
            "shipping_amount": "0.00",
            "shipping_tax_rate": "20",
            "extra_field": {},
            "created_at": "2025-06-01 10:00:00",
            "cargo_company": "ARAS",
            "customer": {
                "email": "ayse@example.com",
                "phone_number": "05551112233",
                "first_name": "Ayşe",
                "last_name": "Yılmaz",
                "channel_code": "MP-CUSTOMER-77",
                "extra_field": {"segment": "gold"},
            },
            "shipping_address": _address(address_line),
            "billing_address": _address(address_line),
        },
        "order_items": [
            {
                "remote_id": line_id,
                "product": product,
                "price_currency": "try",
                "price": price,
                "tax_rate": "20",
                "retail_price": price,
                "extra_field": {"campaign": "summer"},
                "status": "400",
            }
            for line_id, product, price in lines
        ],
    }


# Order MP-1001: line L-1 is two T-shirts (one item per unit, as channel-app sends), L-2 a mug.
ORDER_1 = _remote_order(
    "MP-1001", [("L-1", "MP-TSHIRT", "100.00"), ("L-1", "MP-TSHIRT", "100.00"), ("L-2", "MP-MUG", "50.00")]
)
ORDER_2 = _remote_order("MP-1002", [("L-3", "MP-CAP", "30.00")])


def _business_rows() -> dict[str, int]:
    return {
        "orders": Order.objects.filter(channel_id=CHANNEL).count(),
        "items": OrderItem.objects.filter(order__channel_id=CHANNEL).count(),
        "customers": Customer.objects.filter(channel_id=CHANNEL).count(),
        "addresses": Address.objects.filter(customer__channel_id=CHANNEL).count(),
        "integration_actions": IntegrationAction.objects.filter(channel_id=CHANNEL).count(),
        "cancellation_requests": CancellationRequest.objects.count(),
    }


def _failures() -> list[str]:
    return [
        f"{report.error_code}: {report.raw_response[:500]}"
        for report in ErrorReport.objects.filter(is_ok=False)
    ]


def _linked(kind: str, **filters) -> list[IntegrationAction]:
    return list(
        IntegrationAction.objects.filter(channel_id=CHANNEL, content_type__model=kind, **filters).order_by(
            "pk"
        )
    )


# --- the tests -----------------------------------------------------------------------------------


def test_orders_from_the_marketplace_arrive_once_with_their_customer_addresses_cargo_items_and_links(oms):
    # Given two new orders on the marketplace
    MARKETPLACE.orders.extend([ORDER_1, ORDER_2])

    # When channel-app's order service syncs them
    order_service().fetch_and_create_order()

    # Then each order is in oms, exactly as the marketplace has it
    assert _failures() == []
    order = Order.objects.get(channel_id=CHANNEL, number="MP-1001")
    assert order.customer.email == "ayse@example.com"
    assert order.customer.channel_code == "MP-CUSTOMER-77"
    # billing was posted as a second, identical address: the hash_data answer found the first
    assert order.shipping_address_id == order.billing_address_id
    address = order.shipping_address
    assert (address.country.name, address.city.name, address.township.name, address.district.name) == (
        "Türkiye",
        "İstanbul",
        "Kadıköy",
        "Caferağa",
    )
    assert address.line == "Moda Cd. 5"
    assert order.cargo_company_id == oms.cargo.pk  # found on page 2 of cargos/
    assert str(order.amount) == "250.00"
    assert order.extra_field == {"id": "MP-1001"}
    items = list(order.orderitem_set.order_by("pk"))
    assert [item.product_id for item in items] == [1, 1, 2]
    assert [item.extra_field["id"] for item in items] == ["L-1", "L-1", "L-2"]
    assert [str(item.price) for item in items] == ["100.00", "100.00", "50.00"]
    assert {item.price_list_id for item in items} == {
        catalog.price_list_id for catalog in Catalog.objects.all()
    }
    second = Order.objects.get(channel_id=CHANNEL, number="MP-1002")
    assert second.customer_id == order.customer_id
    # And the run's batch recorded the links channel-app looks orders and lines up by
    batch = BatchRequest.objects.filter(channel_id=CHANNEL, content_type__model="order").latest("pk")
    assert batch.status == BatchRequest.Status.DONE
    assert [(a.object_id, a.remote_id, a.status) for a in _linked("order")] == [
        (order.pk, "MP-1001", "success"),
        (second.pk, "MP-1002", "success"),
    ]
    assert [(a.object_id, a.remote_id) for a in _linked("orderitem")] == [
        (items[0].pk, "L-1"),
        (items[1].pk, "L-1"),
        (items[2].pk, "L-2"),
        (second.orderitem_set.get().pk, "L-3"),
    ]
    assert all(a.version_date is not None for a in _linked("orderitem"))

    # When the same orders are synced again
    before = _business_rows()
    order_service().fetch_and_create_order()

    # Then nothing new is created, and the second run's batch is done too
    assert _business_rows() == before
    assert _failures() == []
    assert BatchRequest.objects.filter(channel_id=CHANNEL).latest("pk").status == BatchRequest.Status.DONE


def test_a_cancelled_line_and_a_refund_request_travel_through_channel_apps_cancellation_commands(oms):
    # Given both orders synced
    MARKETPLACE.orders.extend([ORDER_1, ORDER_2])
    order_service().fetch_and_create_order()
    mug = OrderItem.objects.get(order__number="MP-1001", extra_field__id="L-2")
    cap = OrderItem.objects.get(order__number="MP-1002")

    # When the marketplace cancels the mug line and channel-app's cancel command runs
    MARKETPLACE.cancellations.append(
        {"order": "MP-1001", "cancel_items": ["L-2"], "reasons": {"L-2": REASON_CODE}}
    )
    order_service().fetch_and_create_cancel()

    # Then the mug is cancelled in oms with the reason the channel's mapping names; the T-shirts are not
    assert _failures() == []
    mug.refresh_from_db()
    assert mug.status == "cancelled"
    assert set(
        OrderItem.objects.filter(order__number="MP-1001", extra_field__id="L-1").values_list(
            "status", flat=True
        )
    ) == {"approved"}

    # When a customer asks the marketplace to refund the cap, and the request is synced twice
    MARKETPLACE.cancellation_requests.append(
        {"id": "CR-9", "line_id": "L-3", "reason_code": REASON_CODE, "type": "refund", "note": "Too small"}
    )
    order_service().fetch_and_create_cancellation_requests()
    order_service().fetch_and_create_cancellation_requests()

    # Then oms holds one request for the cap, linked to the marketplace's id
    assert _failures() == []
    request = CancellationRequest.objects.get()
    assert (request.order_item_id, request.reason_id, request.cancellation_type, request.remote_id) == (
        cap.pk,
        oms.reason.pk,
        "refund",
        "CR-9",
    )
    assert request.description == "Too small"
    assert [(a.object_id, a.remote_id) for a in _linked("cancellationrequest")] == [(request.pk, "CR-9")]


def test_omnisdk_checks_a_token_with_active_user(oms, live_server):
    # Given the key channel-app's user gets from auth/login/
    from omnisdk.exceptions import ValidationError
    from omnisdk.omnitron.client import OmnitronApiClient

    key = requests.post(
        f"{live_server.url}/api/v1/auth/login/", json={"username": USERNAME, "password": PASSWORD}, timeout=30
    ).json()["key"]

    # When omnisdk is given it as a token, and then a wrong one
    client = OmnitronApiClient(f"{live_server.url}/", USERNAME, PASSWORD, token=f"Token {key}")

    # Then the first passes active_user/ and the second does not
    assert client.session.headers["Authorization"] == f"Token {key}"
    client.session.close()
    with pytest.raises(ValidationError):
        OmnitronApiClient(f"{live_server.url}/", USERNAME, PASSWORD, token="Token wrong")


def test_a_line_update_from_the_marketplace_arrives_and_oms_changes_reach_the_marketplace_once(oms):
    # Given both orders synced
    MARKETPLACE.orders.extend([ORDER_1, ORDER_2])
    order_service().fetch_and_create_order()
    cap = OrderItem.objects.get(order__number="MP-1002")

    # When the marketplace reports the cap line being prepared, invoiced and tracked
    MARKETPLACE.line_updates.append(
        {
            "remote_id": "L-3",
            "order_remote_id": "MP-1002",
            "order_number": "MP-1002",
            "status": "450",
            "invoice_number": "INV-7",
            "tracking_number": "TR-7",
            "extra_field": {"parcel": "P-1"},
        }
    )
    order_service().fetch_and_update_order_items()

    # Then the item changed in oms
    assert _failures() == []
    cap.refresh_from_db()
    assert (cap.status, cap.invoice_number, cap.tracking_number) == ("preparing", "INV-7", "TR-7")
    assert cap.extra_field["parcel"] == "P-1"

    # When channel-app sends the shop's changed orders to the marketplace, twice
    order_service().update_orders()
    order_service().update_orders()

    # Then only the changed order went, once, and its link records the version the marketplace got
    assert _failures() == []
    assert MARKETPLACE.received == ["MP-1002"]
    link = _linked("order", object_id=cap.order_id)[0]
    sent = Order.objects.get(pk=cap.order_id)
    assert (link.remote_id, link.version_date) == ("MP-1002", sent.modified_date)
