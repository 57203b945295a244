"""The payload hash decides replay or conflict against orders already stored, so its canonical
forms must not change between versions: a retry of a stored order would otherwise answer 409
instead of replaying. Version 1 is the form of orders stored before 2026-11-27, version 2 the
current one (oms/orders/services/digest.py)."""

import pytest

from oms.orders.models import Order
from oms.orders.tests.payloads import every_kind_body, minimal_body

REQUESTS = ["page example", "every kind of column", "minimal, defaults"]
VERSION_1 = {
    "page example": "b29802828f53177fb1c0b29d70257b6a560a3503144aac527c44390767b02845",
    "every kind of column": "b431569836526b4bd72b0722cce426006fb5ff3d213d6c7b3b82b99a7551ec6d",
    "minimal, defaults": "3d5cbb118924ebc27fbeccdadf19ab597bfd1a379a94a292302e4511680737bb",
}
VERSION_2 = {
    "page example": "16e8e55a70d4148d5ff3be70dac3de8c3e24e8bed902d6818efa2b7e03c822ce",
    "every kind of column": "d67c89d510b46acaf2647458880c57da2ad5d87bebae91313e6697daf3f68a19",
    "minimal, defaults": "6bbf088f4a017e77c4fe87650c871777e1382b80744cfb344a20c88d8a8ad0b5",
}


def body_of(name: str, seed_body: dict) -> dict:
    return {
        "page example": seed_body,
        "every kind of column": every_kind_body("KINDS-1"),
        "minimal, defaults": minimal_body("MIN-1"),
    }[name]


@pytest.mark.parametrize("name", REQUESTS)
def test_a_new_order_stores_the_version_2_hash(api, seed_body, name):
    # Given a request
    # When it is created
    created = api.create_order(body_of(name, seed_body))
    # Then the stored hash is the pinned version 2 hash of that request
    assert created.status_code == 201, created.content
    assert Order.objects.get(pk=created.json()["pk"]).payload_hash == VERSION_2[name]


@pytest.mark.parametrize("version", [VERSION_1, VERSION_2], ids=["version 1", "version 2"])
@pytest.mark.parametrize("name", REQUESTS)
def test_a_retry_of_an_order_stored_by_any_version_replays(api, seed_body, name, version):
    # Given an order stored with the hash that version computed
    body = body_of(name, seed_body)
    created = api.create_order(body)
    Order.objects.filter(pk=created.json()["pk"]).update(payload_hash=version[name])
    # When the same request comes again, alone and in a bulk call
    again = api.create_order(body)
    bulk = api.post("/api/v1/channel/1/create_orders/bulk/", {"orders": [body]})
    # Then both replay the stored order
    assert again.status_code == 200, again.content
    assert again.json()["pk"] == created.json()["pk"]
    assert bulk.json()["results"][0]["status"] == "replayed", bulk.content


@pytest.mark.parametrize("name", REQUESTS)
def test_other_content_under_a_version_1_hash_conflicts(api, seed_body, name):
    # Given an order stored with its version 1 hash
    body = body_of(name, seed_body)
    created = api.create_order(body)
    Order.objects.filter(pk=created.json()["pk"]).update(payload_hash=VERSION_1[name])
    # When a request with the same number and other content comes
    body["order"]["notes"] = "changed"
    response = api.create_order(body)
    # Then it conflicts
    assert response.status_code == 409, response.content
