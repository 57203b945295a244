"""channel/{id}/orders/updates/ through HTTP: each change of an order is listed once."""

import pytest

from oms.integrations.tests.given import make_order, patch

pytestmark = pytest.mark.django_db
UPDATES = "/api/v1/channel/{}/orders/updates/"
BATCHES = "/api/v1/channel/{}/batch_requests/"
BATCH = "/api/v1/channel/{}/batch_requests/{}/"


def fetch_and_commit(api) -> list[str]:
    """What channel-app's GetOrders does: read the updates, commit them with their versions."""
    rows = api.get(UPDATES.format(1), limit="100").json()["results"]
    batch = api.post(BATCHES.format(1), {"channel": "1", "content_type": "order"}).json()["pk"]
    objects = [{"pk": row["pk"], "remote_id": None, "version_date": row["modified_date"]} for row in rows]
    assert patch(api, BATCH.format(1, batch), {"status": "commit", "objects": objects}).status_code == 200
    return [row["number"] for row in rows]


def test_an_order_is_listed_once_per_change(api):
    # Given a new order in channel 1 and one in channel 2
    order = make_order("MP-1")
    make_order("OTHER-1", channel_id=2)
    # When the integration fetches and commits the updates twice, then the order changes
    first = fetch_and_commit(api)
    second = fetch_and_commit(api)
    order.notes = "changed"
    order.save(update_fields=["notes", "modified_date"])
    third = fetch_and_commit(api)
    # Then the order (and the demo's) came the first time, not the second, and again after the change
    assert "MP-1" in first and "OTHER-1" not in first
    assert second == []
    assert third == ["MP-1"]


def test_updates_are_not_mistaken_for_an_order_id(api):
    # Given the orders of channel 1
    # When orders/updates/ is read
    response = api.get(UPDATES.format(1))
    # Then it is the updates list (not order "updates", which would be a 404 or 400)
    assert response.status_code == 200
    assert "results" in response.json()
