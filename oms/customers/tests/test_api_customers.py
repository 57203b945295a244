"""The customers endpoints through HTTP, as Omnitron's channel clients use them."""

import json

import pytest

from conftest import ApiClient
from oms.access.services import clear_key_cache
from oms.channels.models import Channel
from oms.customers.models import Customer

pytestmark = pytest.mark.django_db
CUSTOMERS = "/api/v1/channel/{}/customers/"
CUSTOMER = "/api/v1/channel/{}/customers/{}/"

# What omnisdk posts (docs/akinon-clients.md §4.1): channel as a string, a null phone number.
CLIENT_BODY = {
    "channel": "1",
    "channel_code": "1212",
    "email": "grace@example.com",
    "extra_field": {},
    "first_name": "Grace",
    "is_active": True,
    "last_name": "Hopper",
    "phone_number": None,
}


def test_creates_a_customer_as_omnitron_client_sends_it(api):
    # Given the body Omnitron's client posts
    # When it is posted to channel 1
    response = api.post(CUSTOMERS.format(1), CLIENT_BODY)
    # Then the customer is created and answered with the fields the client reads
    assert response.status_code == 201, response.content
    body = response.json()
    customer = Customer.objects.get(pk=body["pk"])
    assert (customer.channel_id, customer.email, customer.phone_number) == (1, "grace@example.com", "")
    assert body["id"] == body["pk"]
    assert body["channel"] == 1 and body["channel_code"] == "1212"
    assert body["phone_number"] is None  # as sent, so the client sees no difference to patch
    assert (body["first_name"], body["last_name"], body["is_active"]) == ("Grace", "Hopper", True)
    assert body["created_date"].endswith("Z") and "results" not in body


def test_lists_by_exact_email_and_phone_number(api):
    # Given two customers of channel 1 besides the demo one
    api.post(CUSTOMERS.format(1), CLIENT_BODY)
    api.post(CUSTOMERS.format(1), {"email": "ada@example.com", "phone_number": "+905551112233"})
    # When the client looks them up as it does before each order
    by_email = api.get(CUSTOMERS.format(1), email="grace@example.com", channel="1", page="1")
    by_phone = api.get(CUSTOMERS.format(1), phone_number="+905551112233", channel="1")
    other_case = api.get(CUSTOMERS.format(1), email="GRACE@example.com")
    # Then each filter is exact and the page is DRF's shape with no next page
    assert by_email.status_code == 200, by_email.content
    assert [row["email"] for row in by_email.json()["results"]] == ["grace@example.com"]
    assert by_email.json()["next"] is None and by_email.json()["count"] == 1
    assert [row["email"] for row in by_phone.json()["results"]] == ["ada@example.com"]
    assert other_case.json()["results"] == []


def test_a_list_holds_only_the_channels_customers(api, key_for):
    # Given a key granted channels 1 and 2, and the demo customers 1 (channel 1) and 2 (channel 2)
    both = ApiClient(key_for(1, 2))
    # When channel 1's customers are listed
    response = both.get(CUSTOMERS.format(1), limit="100")
    # Then channel 2's customer is not among them
    assert [row["pk"] for row in response.json()["results"]] == [1]


def test_another_channels_customer_is_not_found(api, key_for):
    # Given customer 2, of channel 2, and a key granted channel 1 only
    # When it is read, changed or deleted through channel 1
    answers = [
        api.get(CUSTOMER.format(1, 2)),
        api.patch(CUSTOMER.format(1, 2), {"first_name": "X"}),
        api.put(CUSTOMER.format(1, 2), {"first_name": "X"}),
        api.delete(CUSTOMER.format(1, 2)),
    ]
    # Then it is answered 404 as if it did not exist, and left untouched
    assert [answer.status_code for answer in answers] == [404, 404, 404, 404]
    assert answers[0].json()["errors"][0]["code"] == "not_found"
    assert Customer.objects.get(pk=2).first_name == "Demo"


def test_a_channel_the_key_is_not_granted_is_answered_as_a_missing_one(api):
    # Given the demo key, granted channel 1 only
    # When it lists channel 2's customers, and a channel that does not exist
    not_granted = api.get(CUSTOMERS.format(2))
    missing = api.get(CUSTOMERS.format(999))
    # Then both are the same 404, but for the id
    assert (not_granted.status_code, missing.status_code) == (404, 404)
    assert not_granted.json() == json.loads(json.dumps(missing.json()).replace("999", "2"))


def test_an_email_the_channel_already_has_is_refused(api, key_for):
    # Given the demo customer 1 with customer1@example.com in channel 1
    before = Customer.objects.count()
    # When another customer with that email is created in channel 1, and in channel 2
    same_channel = api.post(CUSTOMERS.format(1), {"email": "customer1@example.com"})
    other_channel = ApiClient(key_for(2)).post(CUSTOMERS.format(2), {"email": "customer1@example.com"})
    # Then channel 1 refuses it and channel 2 accepts it
    assert same_channel.status_code == 400
    assert same_channel.json()["errors"] == [
        {
            "path": "email",
            "code": "duplicate",
            "message": "A customer with email customer1@example.com already exists in channel 1.",
        }
    ]
    assert other_channel.status_code == 201
    assert Customer.objects.count() == before + 1


def test_patch_and_put_change_only_the_fields_sent(api):
    # Given a customer
    pk = api.post(CUSTOMERS.format(1), CLIENT_BODY).json()["pk"]
    # When PATCH changes the first name and PUT the phone number (both partial)
    patched = api.patch(CUSTOMER.format(1, pk), {"channel": "1", "channel_code": "1212", "first_name": "G."})
    put = api.put(CUSTOMER.format(1, pk), {"phone_number": "+905550000000"})
    # Then each changes only what it sent
    assert patched.status_code == 200, patched.content
    assert put.status_code == 200, put.content
    customer = Customer.objects.get(pk=pk)
    assert (customer.first_name, customer.last_name, customer.phone_number, customer.email) == (
        "G.",
        "Hopper",
        "+905550000000",
        "grace@example.com",
    )
    assert put.json()["first_name"] == "G."


def test_every_problem_of_a_body_is_answered_at_once(api):
    # Given a body with a bad email, a name too long and another channel's id
    body = {"channel": 2, "email": "not-an-email", "first_name": "x" * 129}
    # When it is posted
    response = api.post(CUSTOMERS.format(1), body)
    # Then each problem is named, and nothing is written
    assert response.status_code == 400
    assert {(e["path"], e["code"]) for e in response.json()["errors"]} == {
        ("email", "invalid_format"),
        ("first_name", "too_long"),
        ("channel", "mismatch"),
    }
    assert not Customer.objects.filter(email="not-an-email").exists()


def test_body_channel_must_be_the_urls(api):
    # Given a body naming channel 2
    # When it is posted to channel 1
    response = api.post(CUSTOMERS.format(1), {**CLIENT_BODY, "channel": "2"})
    # Then it is refused as a mismatch
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "channel"
    assert response.json()["errors"][0]["code"] == "mismatch"


def test_a_customer_needs_an_email_or_a_phone_number(api):
    # Given a body with neither
    # When it is posted
    response = api.post(CUSTOMERS.format(1), {"first_name": "Nobody", "email": None, "phone_number": ""})
    # Then it is refused
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "required"


def test_unknown_fields_are_refused_on_a_strict_channel_and_ignored_otherwise(api, demo):
    # Given channel 1, first lenient, then strict
    body = {**CLIENT_BODY, "favourite_colour": "blue"}
    lenient = api.post(CUSTOMERS.format(1), body)
    Customer.objects.filter(pk=lenient.json()["pk"]).delete()
    Channel.objects.filter(pk=1).update(strict_fields=True)
    clear_key_cache()  # channel settings are cached for OMS_API_KEY_CACHE_SECONDS
    # When the same body is posted
    strict = api.post(CUSTOMERS.format(1), body)
    # Then the lenient channel ignored the field and the strict one names it
    assert lenient.status_code == 201
    assert strict.status_code == 400
    assert strict.json()["errors"] == [
        {"path": "favourite_colour", "code": "unknown_field", "message": "Unknown field."}
    ]


def test_deleting_a_customer_others_refer_to_is_a_conflict_naming_them(api):
    # Given the demo customer 1, which has an address and an order
    # When it is deleted
    response = api.delete(CUSTOMER.format(1, 1))
    # Then it is refused with what refers to it, and kept
    assert response.status_code == 409
    body = response.json()
    assert body["errors"][0]["code"] == "in_use"
    assert body["referenced_by"] == {"customers.address": 1, "orders.order": 1}
    assert "1 address, 1 order" in body["detail"]
    assert Customer.objects.filter(pk=1).exists()


def test_deleting_a_customer_nothing_refers_to(api):
    # Given a new customer with no address or order
    pk = api.post(CUSTOMERS.format(1), CLIENT_BODY).json()["pk"]
    # When it is deleted
    response = api.delete(CUSTOMER.format(1, pk))
    # Then it is gone
    assert response.status_code == 204
    assert not Customer.objects.filter(pk=pk).exists()


def test_list_pages_are_walked_until_next_is_null(api, demo):
    # Given 3 more customers in channel 1
    for n in range(3):
        Customer.objects.create(channel_id=1, email=f"page{n}@example.com")
    # When the list is walked 2 at a time
    first = api.get(CUSTOMERS.format(1), limit="2").json()
    second = api.client.get(first["next"], **api.auth).json()
    # Then the second page is the last
    assert first["count"] == 4 and len(first["results"]) == 2
    assert len(second["results"]) == 2 and second["next"] is None


def test_the_list_walks_by_cursor_too(api, demo):
    # Given 3 more customers in channel 1
    for n in range(3):
        Customer.objects.create(channel_id=1, email=f"cursor{n}@example.com")
    # When the list is walked by cursor, newest changes first, 3 at a time
    first = api.get(CUSTOMERS.format(1), cursor="", sort="-modified_date", limit="3").json()
    second = api.client.get(first["next"], **api.auth).json()
    # Then the pages hold every customer once, without a count
    emails = [row["email"] for row in first["results"] + second["results"]]
    assert "count" not in first and second["next"] is None
    assert sorted(emails) == sorted(["customer1@example.com"] + [f"cursor{n}@example.com" for n in range(3)])
