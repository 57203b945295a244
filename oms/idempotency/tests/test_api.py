"""The Idempotency-Key header on create_orders, through HTTP."""

import json
from datetime import timedelta

import pytest
from django.test import override_settings

from conftest import ApiClient
from oms.access.services import authenticate_key
from oms.idempotency.models import IdempotencyKey
from oms.idempotency.services import claim_key, request_fingerprint
from oms.orders.models import Order, OrderItem
from oms.orders.tests.payloads import minimal_body

pytestmark = pytest.mark.django_db
URL = "/api/v1/channel/{}/create_orders/"


def keyed(key: str) -> dict[str, str]:
    return {"HTTP_IDEMPOTENCY_KEY": key}


def counts() -> tuple[int, int]:
    return Order.objects.count(), OrderItem.objects.count()


def key_id_of(client: ApiClient) -> int:
    return authenticate_key(client.auth["HTTP_AUTHORIZATION"]).key_id


def error_of(response) -> tuple[str, str]:
    error = response.json()["errors"][0]
    return error["path"], error["code"]


def test_a_retry_with_the_same_key_replays_the_first_answer_byte_for_byte(api, seed_body):
    # Given an order created with an Idempotency-Key
    first = api.create_order(seed_body, **keyed("retry-1"))
    assert first.status_code == 201, first.content
    before = counts()
    # When the same request is sent again with the same key
    second = api.create_order(seed_body, **keyed("retry-1"))
    # Then the stored answer comes back as it was, marked as a replay, and nothing is written
    assert second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second["Content-Type"] == first["Content-Type"]
    assert second.content == first.content
    assert counts() == before
    assert "Idempotent-Replayed" not in first


def test_key_order_and_whitespace_of_the_body_do_not_change_the_request(api, seed_body):
    # Given an order created with a key
    first = api.create_order(seed_body, **keyed("reorder"))
    # When the same body is re-serialised with other key order and indentation
    shuffled = {"order_item": seed_body["order_item"], "order": dict(reversed(seed_body["order"].items()))}
    second = api.post(URL.format(1), raw=json.dumps(shuffled, indent=4), **keyed("reorder"))
    # Then it is the same request: the first answer is replayed
    assert second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second.content == first.content


def test_the_warning_header_of_the_first_answer_is_replayed(api):
    # Given a first answer carrying a Warning (an unknown field ignored)
    body = minimal_body("WARN-1", unexpected="x")
    first = api.create_order(body, **keyed("warned"))
    assert first.status_code == 201 and "Warning" in first
    # When it is retried
    second = api.create_order(body, **keyed("warned"))
    # Then the Warning comes back with it
    assert second["Warning"] == first["Warning"]


def test_the_same_key_with_another_body_is_422_and_writes_nothing(api):
    # Given a key used for order K-1
    assert api.create_order(minimal_body("K-1"), **keyed("reused")).status_code == 201
    before = counts()
    # When it is sent with another order
    response = api.create_order(minimal_body("K-2"), **keyed("reused"))
    # Then 422 with the error body naming the header, and nothing is written
    assert response.status_code == 422
    assert error_of(response) == ("Idempotency-Key", "idempotency_key_reused")
    assert response.json()["detail"]
    assert counts() == before
    assert not Order.objects.filter(number="K-2").exists()


def test_the_same_key_while_the_first_request_runs_is_409(api, demo):
    # Given a key claimed by a request that has not answered yet
    body = minimal_body("RUNNING-1")
    claim_key(
        api_key_id=key_id_of(api),
        channel_id=1,
        key="running",
        fingerprint=request_fingerprint(method="POST", path=URL.format(1), body=json.dumps(body).encode()),
    )
    # When the same request arrives with that key
    response = api.create_order(body, **keyed("running"))
    # Then 409 telling the client the key is in use, and nothing is written
    assert response.status_code == 409
    assert error_of(response) == ("Idempotency-Key", "idempotency_key_in_use")
    assert not Order.objects.filter(number="RUNNING-1").exists()


@override_settings(OMS_IDEMPOTENCY_LOCK_TIMEOUT_SECONDS=60)
def test_a_claim_abandoned_by_a_crash_is_taken_over_by_the_retry(api, demo):
    # Given a key claimed 61 s ago by a request that never answered (its server died)
    body = minimal_body("CRASHED-1")
    claim_key(
        api_key_id=key_id_of(api),
        channel_id=1,
        key="crashed",
        fingerprint=request_fingerprint(method="POST", path=URL.format(1), body=json.dumps(body).encode()),
    )
    IdempotencyKey.objects.update(
        created_date=IdempotencyKey.objects.get().created_date - timedelta(seconds=61)
    )
    # When the client retries
    response = api.create_order(body, **keyed("crashed"))
    # Then the retry runs, and its answer is stored under the key
    assert response.status_code == 201, response.content
    assert Order.objects.filter(number="CRASHED-1").count() == 1
    assert IdempotencyKey.objects.get().status_code == 201
    assert api.create_order(body, **keyed("crashed"))["Idempotent-Replayed"] == "true"


@override_settings(OMS_IDEMPOTENCY_TTL_SECONDS=3600)
def test_an_expired_key_may_be_used_for_a_new_request(api):
    # Given a key used an hour and a second ago, past its time to live
    assert api.create_order(minimal_body("OLD-1"), **keyed("expiring")).status_code == 201
    IdempotencyKey.objects.update(
        created_date=IdempotencyKey.objects.get().created_date - timedelta(seconds=3601)
    )
    # When a new order is sent with it
    response = api.create_order(minimal_body("NEW-1"), **keyed("expiring"))
    # Then it is a new request: the order is created
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert Order.objects.filter(number="NEW-1").exists()


def test_a_validation_failure_is_not_stored_so_the_fixed_request_may_reuse_the_key(api):
    # Given a request refused for a wrong customer
    bad = minimal_body("FIX-1", customer=999)
    refused = api.create_order(bad, **keyed("fix-me"))
    assert refused.status_code == 400
    # When the client fixes the body and retries with the same key
    fixed = api.create_order(minimal_body("FIX-1"), **keyed("fix-me"))
    # Then the fixed request runs and is created
    assert fixed.status_code == 201, fixed.content
    assert "Idempotent-Replayed" not in fixed
    assert IdempotencyKey.objects.get().status_code == 201


def test_error_answers_release_the_key(api):
    # Given an order K-9, and another body with the same number
    assert api.create_order(minimal_body("K-9")).status_code == 201
    other = minimal_body("K-9", notes="different")
    # When the other body is sent with a key, twice
    first = api.create_order(other, **keyed("dup"))
    second = api.create_order(other, **keyed("dup"))
    # Then both get the duplicate 409, worked out afresh, and no key is kept
    assert first.status_code == second.status_code == 409
    assert error_of(second) == ("order.number", "duplicate")
    assert "Idempotent-Replayed" not in second
    assert not IdempotencyKey.objects.exists()


def test_a_natural_key_replay_is_stored_and_replayed_as_200(api):
    # Given an order created without a key
    body = minimal_body("NAT-1")
    created = api.create_order(body)
    # When the same order is sent twice with a key
    first = api.create_order(body, **keyed("late-key"))
    second = api.create_order(body, **keyed("late-key"))
    # Then both answer the stored order with 200 and the replay header, with the first body
    assert (first.status_code, second.status_code) == (200, 200)
    assert first["Idempotent-Replayed"] == second["Idempotent-Replayed"] == "true"
    assert second.content == first.content
    assert first.json() == created.json()


def test_keys_are_scoped_to_the_api_key_and_the_channel(demo, key_for):
    # Given two API keys, one of them granted channels 1 and 2
    one, other = ApiClient(key_for(1, 2)), ApiClient(key_for(1))
    channel_2_body = minimal_body("SCOPE-C2", customer=2, shipping_address=2, billing_address=2)
    # When the same Idempotency-Key is used by both keys and in both channels, for different orders
    answers = [
        one.create_order(minimal_body("SCOPE-A"), **keyed("shared-key")),
        other.create_order(minimal_body("SCOPE-B"), **keyed("shared-key")),
        one.create_order(channel_2_body, channel_id=2, **keyed("shared-key")),
    ]
    # Then each is a request of its own
    assert [a.status_code for a in answers] == [201, 201, 201], [a.content for a in answers]
    assert IdempotencyKey.objects.count() == 3


def test_a_quoted_key_is_the_same_key(api, seed_body):
    # Given an order sent with the key as a structured-field string, as the IETF draft writes it
    first = api.create_order(seed_body, **keyed('"quoted-1"'))
    # When it is retried with the bare key
    second = api.create_order(seed_body, **keyed("quoted-1"))
    # Then it is replayed
    assert second["Idempotent-Replayed"] == "true"
    assert second.content == first.content


@pytest.mark.parametrize(
    ("value", "code"), [("", "invalid_format"), ("x" * 256, "too_long"), ("tab\there", "invalid_format")]
)
def test_a_malformed_key_is_400_and_writes_nothing(api, seed_body, value, code):
    # Given a malformed Idempotency-Key
    before = counts()
    # When an order is sent with it
    response = api.create_order(seed_body, **keyed(value))
    # Then 400 naming the header, and nothing is written
    assert response.status_code == 400
    assert error_of(response) == ("Idempotency-Key", code)
    assert counts() == before
    assert not IdempotencyKey.objects.exists()


def test_a_key_on_a_channel_the_api_key_may_not_use_is_404_and_stores_nothing(demo, key_for, seed_body):
    # Given an API key granted channel 2 only
    client = ApiClient(key_for(2))
    # When it sends a keyed order to channel 1
    response = client.create_order(seed_body, channel_id=1, **keyed("forbidden"))
    # Then 404 (the channel is answered as if it did not exist), and no key is stored
    assert response.status_code == 404
    assert not IdempotencyKey.objects.exists()
