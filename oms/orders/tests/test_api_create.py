"""The create_orders endpoint through HTTP: the page's example, auth, channels, references."""

import json

import pytest
from django.contrib.auth import get_user_model

from conftest import SEED_RESPONSE, ApiClient
from oms.access.services import clear_key_cache, create_api_key
from oms.catalog.models import ProductStock
from oms.channels.models import Channel
from oms.orders.models import Order, OrderItem
from oms.orders.tests.given import order_url
from oms.orders.tests.payloads import every_kind_body, minimal_body

pytestmark = pytest.mark.django_db
URL = "/api/v1/channel/{}/create_orders/"


def counts() -> tuple[int, int]:
    return Order.objects.count(), OrderItem.objects.count()


def test_seed_example_verbatim_creates_the_order_with_every_response_field(api):
    # Given the page's example body, byte for byte
    from conftest import SEED_REQUEST_TEXT

    before = counts()
    # When it is posted to channel 1 of the demo data
    response = api.post(URL.format(1), raw=SEED_REQUEST_TEXT)
    # Then the order is created and answered with every field of the page's response example
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(SEED_RESPONSE) <= set(body)
    assert body["pk"] == body["id"] == Order.objects.get(number="1234567890").pk
    assert counts() == (before[0] + 1, before[1] + 1)
    assert body["shipping_company"] == "yurtici"
    assert body["cancel_status"] == "waiting"
    assert body["installment_free"] is False  # 10 of installment interest was charged
    assert body["first_refund_strategy"] == "refund_to_payment_method"
    assert body["extra_field"] == {"id": 1, "name": "test"}
    assert body["fundstransfertransaction_set"] == [1]
    assert body["delivery_range"] == {
        "start": "2025-05-22T09:57:02.290000Z",
        "end": "2025-05-22T09:57:02.290000Z",
    }


def test_money_is_written_as_exact_json_numbers(api, seed_body):
    # Given the seed body with money sent as a numeric string with one decimal
    seed_body["order"]["shipping_amount"] = "10.5"
    seed_body["order"]["amount"] = "100.5"
    # When it is posted
    response = api.create_order(seed_body)
    # Then amounts come back as JSON numbers with two decimals, never floats
    assert response.status_code == 201, response.content
    text = response.content.decode()
    assert '"amount":100.50' in text
    assert '"shipping_amount":10.50' in text
    assert '"net_shipping_amount":9.55' in text  # 10.50 / 1.10 = 9.5454... half-up


def test_every_seed_field_is_stored(api, seed_body):
    # Given the seed body
    # When it is created
    response = api.create_order(seed_body)
    # Then the stored rows carry the sent values
    assert response.status_code == 201
    order = Order.objects.get(pk=response.json()["pk"])
    item = order.orderitem_set.get()
    assert (order.status, order.currency, str(order.amount), order.remote_addr) == (
        "cancellation_waiting",
        "try",
        "100.00",
        "0.0.0.127",
    )
    assert order.checkout_provider_id == 1 and order.external_status_id == 1 and order.cargo_company_id == 1
    assert list(order.funds_transfer_transactions.values_list("id", flat=True)) == [1]
    assert (item.product_id, item.price_list_id, item.stock_list_id, item.parent_id) == (1, 1, 1, 1)
    assert (item.reconciliation_id, item.cancellation_reconciliation_id, item.shipping_option_group_id) == (
        1,
        1,
        1,
    )
    assert (item.status, item.cancel_status, item.product_sku) == ("waiting", "waiting", "DEMO-TSHIRT-M")
    assert str(item.estimated_delivery_date) == "2025-01-01"


def test_bare_key_is_accepted(token, seed_body):
    # Given a client sending the key without the "Token " prefix, as the page shows
    client = ApiClient(token, scheme="")
    # When it creates the seed order
    response = client.create_order(seed_body)
    # Then it is accepted
    assert response.status_code == 201


@pytest.mark.parametrize("key", [None, "oms_unknown"])
def test_missing_or_unknown_key_is_401_with_a_json_body(demo, seed_body, key):
    # Given no key, or a key that does not exist
    client = ApiClient(key)
    # When the order is posted
    response = client.create_order(seed_body)
    # Then 401 with the error body, and nothing is written
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "not_authenticated"
    assert not Order.objects.filter(number="1234567890").exists()


def test_a_channel_the_key_is_not_granted_is_answered_as_a_missing_one(key_for, demo, seed_body):
    # Given a key granted channel 2 only
    client = ApiClient(key_for(2))
    before = Order.objects.count()
    # When it posts to channel 1, and to channel 999, which does not exist
    not_granted = client.create_order(seed_body, channel_id=1)
    missing = client.create_order(seed_body, channel_id=999)
    # Then both are the same 404 naming channel_id, but for the id, and nothing is written
    assert (not_granted.status_code, missing.status_code) == (404, 404)
    assert not_granted.json()["errors"] == [
        {"path": "channel_id", "code": "not_found", "message": "Channel 1 does not exist."}
    ]
    assert missing.json()["errors"][0]["message"] == "Channel 999 does not exist."
    assert Order.objects.count() == before


def test_a_superusers_key_sees_every_channel(demo, seed_body):
    # Given a superuser's key, granted no channel by name
    row, key = create_api_key(name="root")
    row.user = get_user_model().objects.create_superuser("root", password="x")
    row.save(update_fields=["user"])
    # When it posts to channel 2
    response = ApiClient(key).create_order(
        {
            **seed_body,
            "order": {**seed_body["order"], "customer": 2, "shipping_address": 2, "billing_address": 2},
        },
        channel_id=2,
    )
    # Then the channel is found (the order is created or refused on its own merits, not 404)
    assert response.status_code != 404, response.content


def test_unknown_channel_is_404(api, seed_body):
    # Given a channel id that does not exist
    # When an order is posted to it
    response = api.create_order(seed_body, channel_id=999)
    # Then 404 with the error body
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


def test_order_channel_must_match_the_url(api, seed_body):
    # Given a body whose order.channel is 2
    seed_body["order"]["channel"] = 2
    before = counts()
    # When it is posted to channel 1
    response = api.create_order(seed_body)
    # Then 400 naming order.channel, and nothing is written
    assert response.status_code == 400
    assert [(e["path"], e["code"]) for e in response.json()["errors"]] == [("order.channel", "mismatch")]
    assert counts() == before


def test_a_second_order_with_the_same_number_and_other_content_is_409_and_one_row(api, seed_body):
    # Given the seed order already created
    first = api.create_order(seed_body)
    assert first.status_code == 201
    # When another body with the same number arrives
    seed_body["order"]["notes"] = "something else"
    second = api.create_order(seed_body)
    # Then it is refused with 409 naming the existing order, and only one row exists
    assert second.status_code == 409
    body = second.json()
    assert body["errors"][0] == {**body["errors"][0], "path": "order.number", "code": "duplicate"}
    assert body["existing_id"] == first.json()["pk"]
    assert Order.objects.filter(number="1234567890").count() == 1


def test_the_same_body_again_is_a_replay(api, seed_body):
    # Given the seed order already created
    first = api.create_order(seed_body)
    # When the same body is posted again (keys reordered, money formatted differently)
    seed_body["order"] = dict(reversed(list(seed_body["order"].items())))
    seed_body["order"]["amount"] = "100.00"
    second = api.create_order(seed_body)
    # Then the stored order is answered with 200 and the replay header, and nothing is written
    assert second.status_code == 200
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert Order.objects.filter(number="1234567890").count() == 1


@pytest.mark.parametrize(
    ("where", "field", "path"),
    [
        ("order", "customer", "order.customer"),
        ("item", "product", "order_item.0.product"),
        ("item", "price_list", "order_item.0.price_list"),
    ],
)
def test_unknown_reference_is_400_naming_the_field(api, seed_body, where, field, path):
    # Given a body pointing at an id that does not exist
    target = seed_body["order"] if where == "order" else seed_body["order_item"][0]
    target[field] = 987
    before = counts()
    # When it is posted
    response = api.create_order(seed_body)
    # Then 400 naming the field with not_found, and nothing is written
    assert response.status_code == 400
    assert {"path": path, "code": "not_found"} in [
        {"path": e["path"], "code": e["code"]} for e in response.json()["errors"]
    ]
    assert counts() == before


def test_another_channels_customer_is_answered_as_a_missing_one(api, seed_body):
    # Given channel 2's customer and address (demo ids 2)
    seed_body["order"].update(customer=2, shipping_address=2, billing_address=2)
    # When they are used in an order of channel 1
    response = api.create_order(seed_body)
    # Then each is reported as not_found, as an id of no row is
    assert response.status_code == 400
    paths = {e["path"]: (e["code"], e["message"]) for e in response.json()["errors"]}
    assert paths["order.customer"] == ("not_found", "Customer 2 does not exist in channel 1.")
    assert paths["order.shipping_address"] == ("not_found", "Address 2 does not exist in channel 1.")


def test_omnitron_client_style_body_defaults_quantities(api):
    # Given a body as channel-app sends it: code statuses, money as strings, no quantities, space dates
    body = minimal_body("CA-1", status="400", date_placed="2024-10-03 10:30:00.123456", channel="1")
    body["order_item"] = [{"product": 1, "price": "50", "status": "400", "price_currency": "TRY"}] * 2
    # When it is posted
    response = api.create_order(body)
    # Then one row per unit is stored with defaults filled in
    assert response.status_code == 201, response.content
    items = list(Order.objects.get(number="CA-1").orderitem_set.all())
    assert [
        (i.quantity, str(i.unit_price), str(i.total_price), i.status, i.price_currency) for i in items
    ] == [(1, "50.00", "50.00", "approved", "try")] * 2
    assert response.json()["date_placed"] == "2024-10-03T10:30:00.123456Z"


def test_channel_with_code_status_format_answers_codes(api, seed_body):
    # Given channel 1 set to answer status codes
    from oms.channels.models import Channel

    Channel.objects.filter(pk=1).update(status_format="code")
    # When the seed order is created
    response = api.create_order(seed_body)
    # Then the status is answered as its code
    assert response.json()["status"] == "50"


def test_invalid_json_is_400_and_wrong_content_type_is_415(api):
    # Given a malformed body and a form-encoded body
    # When they are posted
    bad_json = api.post(URL.format(1), raw="{not json")
    form = api.post(URL.format(1), raw="a=b", content_type="application/x-www-form-urlencoded")
    # Then both get the error body
    assert bad_json.status_code == 400 and bad_json.json()["errors"][0]["code"] == "invalid_json"
    assert form.status_code == 415 and form.json()["errors"][0]["code"] == "unsupported_media_type"


def test_unknown_api_path_and_wrong_method_use_the_error_body(api):
    # Given paths that do not exist or do not take the method
    # When they are requested
    missing = api.get("/api/v1/nothing-here/")
    wrong_method = api.get(URL.format(1))
    # Then 404 and 405 carry the error body
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "not_found"
    assert (
        wrong_method.status_code == 405 and wrong_method.json()["errors"][0]["code"] == "method_not_allowed"
    )


def test_login_returns_a_key_that_works(db, demo, seed_body):
    # Given the demo admin (a superuser) and its password
    client = ApiClient(None)
    # When it logs in as Omnitron's SDK does
    response = client.post("/api/v1/auth/login/", {"username": "admin", "password": demo.admin_password})
    bad = client.post("/api/v1/auth/login/", {"username": "admin", "password": "wrong"})
    # Then the key it gets creates orders, and bad credentials get a 400 JSON body
    assert response.status_code == 200
    key = response.json()["key"]
    assert ApiClient(key).create_order(seed_body).status_code == 201
    assert bad.status_code == 400 and "errors" in bad.json()
    again = client.post("/api/v1/auth/login/", {"username": "admin", "password": demo.admin_password})
    assert again.json()["key"] == key


def test_healthz(client):
    # Given a running service
    # When /healthz is asked
    response = client.get("/healthz")
    # Then it answers 200
    assert response.status_code == 200
    assert json.loads(response.content)["status"] == "ok"


@pytest.mark.parametrize("product", [1.0, "1", " 1"])
def test_ids_in_any_form_the_schema_accepts_are_resolved(api, product):
    # Given an item whose product id is sent as a float or a string
    body = minimal_body(f"ID-{product!r}")
    body["order_item"][0]["product"] = product
    # When it is posted
    response = api.create_order(body)
    # Then it is created (or refused with a 400), never a 500
    assert response.status_code in (201, 400), response.content


def test_channel_apps_item_carrier_shipping_code_is_a_real_field(api):
    # Given an item as channel-app sends it, with carrier_shipping_code
    body = minimal_body("CSC-1")
    body["order_item"][0]["carrier_shipping_code"] = "YK-42"
    # When it is posted
    response = api.create_order(body)
    # Then it is stored without an unknown-field warning
    assert response.status_code == 201
    assert "Warning" not in response
    assert OrderItem.objects.get(order__number="CSC-1").carrier_shipping_code == "YK-42"


@pytest.mark.parametrize("policy", [Channel.StockPolicy.IGNORE, Channel.StockPolicy.RESERVE])
def test_the_create_answer_is_the_detail_answer_without_its_items(api, policy):
    # Given channel 1 under `policy`, product 1 without units (reserving it oversells the order)
    Channel.objects.filter(pk=1).update(stock_policy=policy)
    clear_key_cache()
    ProductStock.objects.filter(stock_list_id=1, product_id=1).update(stock=0, sold_quantity_unreported=0)
    # When an order covering every kind of column is created
    created = api.create_order(every_kind_body("ANSWER-1"))
    assert created.status_code == 201, created.content
    # Then its answer is the detail answer without the items, key for key and in its order
    detail = api.get(order_url(created.json()["pk"])).json()
    del detail["orderitem_set"]
    assert list(created.json().items()) == list(detail.items())
    assert created.json()["oversold"] is (policy == Channel.StockPolicy.RESERVE)
