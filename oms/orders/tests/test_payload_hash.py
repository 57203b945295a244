"""The payload hash decides replay or conflict against orders already stored, so its canonical
form must not change between versions: a retry of an order stored by an earlier version would
otherwise answer 409 instead of replaying."""

import pytest

from oms.orders.models import Order
from oms.orders.tests.payloads import every_kind_body, minimal_body

# Computed by the create path of 2026-11-27 (Model instances, `_row` over concrete fields).
STORED_BY_EARLIER_VERSIONS = {
    "page example": "b29802828f53177fb1c0b29d70257b6a560a3503144aac527c44390767b02845",
    "every kind of column": "b431569836526b4bd72b0722cce426006fb5ff3d213d6c7b3b82b99a7551ec6d",
    "minimal, defaults": "3d5cbb118924ebc27fbeccdadf19ab597bfd1a379a94a292302e4511680737bb",
}


@pytest.mark.parametrize("name", STORED_BY_EARLIER_VERSIONS)
def test_the_hash_of_a_request_is_the_one_earlier_versions_stored(api, seed_body, name):
    # Given a request that earlier versions hashed
    body = {
        "page example": seed_body,
        "every kind of column": every_kind_body("KINDS-1"),
        "minimal, defaults": minimal_body("MIN-1"),
    }[name]
    # When it is created
    created = api.create_order(body)
    # Then the stored hash is the one they stored, so a retry of their orders still replays
    assert created.status_code == 201, created.content
    assert Order.objects.get(pk=created.json()["pk"]).payload_hash == STORED_BY_EARLIER_VERSIONS[name]
