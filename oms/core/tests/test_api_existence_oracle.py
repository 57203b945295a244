"""A key never learns what another channel holds: a reference to another channel's row is
answered exactly as a reference to no row at all, on every path that takes one (issue 21)."""

from __future__ import annotations

import json

import pytest

from oms.core.tests.snapshot import db_snapshot
from oms.orders.tests.given import make_order, make_reason

pytestmark = pytest.mark.django_db

MISSING = 987654


def _references(other_item: int, other_order: int, reason: int) -> list[tuple[str, dict, str, int]]:
    """(url of channel 1, body with the reference marked "__REF__", path, channel 2's row id)."""
    return [
        (
            "/api/v1/channel/1/addresses/",
            {"customer": "__REF__", "title": "x", "line": "x", "country": 1, "city": 1},
            "customer",
            2,
        ),
        (
            "/api/v1/channel/1/cancellation_requests/",
            {"order_item": "__REF__", "reason": reason},
            "order_item",
            other_item,
        ),
        (
            "/api/v1/channel/1/order_shipping_infos/",
            {"order": "__REF__", "shipping_company": 1},
            "order",
            other_order,
        ),
        (
            "/api/v1/channel/1/integration_actions/",
            {"content_type": "order", "object_id": "__REF__"},
            "object_id",
            other_order,
        ),
        (
            "/api/v1/channel/1/integration_actions/",
            {"content_type": "orderitem", "object_id": "__REF__"},
            "object_id",
            other_item,
        ),
    ]


def test_another_channels_rows_are_answered_as_missing_ones(api):
    # Given an order of channel 2, and references to it (and to channel 2's customer) from channel 1
    other = make_order("OTHER-1", channel_id=2)
    references = _references(other.orderitem_set.get().pk, other.pk, make_reason().pk)
    before = db_snapshot()
    for url, body, path, other_id in references:
        # When each is sent with channel 2's row, and with an id of no row
        foreign, missing = (
            api.post(url, json.loads(json.dumps(body).replace('"__REF__"', str(ref))))
            for ref in (other_id, MISSING)
        )
        # Then both answers are the same not_found naming the field, but for the id
        assert foreign.status_code == missing.status_code == 400, (url, foreign.content)
        assert {(e["path"], e["code"]) for e in foreign.json()["errors"]} >= {(path, "not_found")}
        assert json.dumps(foreign.json()).replace(f" {other_id}", f" {MISSING}") == json.dumps(
            missing.json()
        ), url
        assert "channel 2" not in foreign.content.decode()
    # and nothing is written
    assert db_snapshot() == before
