"""channel/{id}/cancellation_requests/ through HTTP: what channel-app posts, resends and reads."""

import pytest

from oms.integrations.models import CancellationRequest
from oms.integrations.tests.given import make_order, patch
from oms.orders.models import CancellationReason, OrderItem

pytestmark = pytest.mark.django_db
REQUESTS = "/api/v1/channel/{}/cancellation_requests/"
REQUEST = "/api/v1/channel/{}/cancellation_requests/{}/"
UPDATES = "/api/v1/channel/{}/cancellation_requests/updates/"
BATCHES = "/api/v1/channel/{}/batch_requests/"
BATCH = "/api/v1/channel/{}/batch_requests/{}/"


@pytest.fixture
def reason(demo):
    return CancellationReason.objects.create(reason="Changed mind", code="changed-mind")


def body(item: OrderItem, cause: CancellationReason, **fields) -> dict:
    # As channel-app's CreateCancellationRequest sends it: its DTO's fields, alphabetically.
    return {
        "cancellation_type": "refund",
        "description": "Too small",
        "order_item": item.pk,
        "reason": cause.pk,
        "remote_id": "CR-1",
        **fields,
    }


def test_a_request_sent_again_is_answered_again_and_recorded_once(api, reason):
    # Given an item of channel 1
    item = make_order("MP-1").orderitem_set.get()
    # When the channel posts its request, then again on the next sync
    first = api.post(REQUESTS.format(1), body(item, reason))
    again = api.post(REQUESTS.format(1), body(item, reason))
    # Then the first is created waiting for approval and the second answers the same request
    assert (first.status_code, again.status_code) == (201, 200), first.content
    assert first.json()["status"] == "waiting_approval"
    assert again.json()["id"] == first.json()["id"]
    assert CancellationRequest.objects.count() == 1


def test_requests_that_cannot_be_recorded_are_refused_and_nothing_is_written(api, reason):
    # Given an item with an open request, another item, and an item of channel 2
    order = make_order("MP-1", lines=("L-1", "L-2"))
    first, second = order.orderitem_set.order_by("pk")
    api.post(REQUESTS.format(1), body(first, reason))
    foreign = make_order("OTHER-1", channel_id=2).orderitem_set.get()
    # When the same remote id comes for another item, a second request for the first item, a
    # request for the other channel's item and one with an unknown reason
    reused = api.post(REQUESTS.format(1), body(second, reason))
    pending = api.post(REQUESTS.format(1), body(first, reason, remote_id="CR-2"))
    other = api.post(REQUESTS.format(1), body(foreign, reason, remote_id="CR-3"))
    unknown = api.post(REQUESTS.format(1), body(second, reason, remote_id="CR-4") | {"reason": 999})
    # Then each is a 400 with its code
    answers = [
        (r.status_code, r.json()["errors"][0]["path"], r.json()["errors"][0]["code"])
        for r in (reused, pending, other, unknown)
    ]
    assert answers == [
        (400, "remote_id", "duplicate"),
        (400, "order_item", "cancellation_pending"),
        (400, "order_item", "not_found"),
        (400, "reason", "not_found"),
    ]
    assert CancellationRequest.objects.count() == 1


def test_a_decision_is_listed_in_updates_until_the_channel_receives_it(api, reason):
    # Given a request the channel posted and committed with the version it got back
    item = make_order("MP-1").orderitem_set.get()
    created = api.post(REQUESTS.format(1), body(item, reason)).json()
    batch = api.post(BATCHES.format(1), {"channel": "1"}).json()["pk"]
    entry = {
        "pk": created["id"],
        "remote_id": "CR-1",
        "version_date": created["modified_date"],
        "content_type": "cancellationrequest",
    }
    patch(api, BATCH.format(1, batch), {"status": "done", "objects": [entry]})
    before = api.get(UPDATES.format(1), limit="50").json()["count"]
    # When it is approved
    approved = patch(api, REQUEST.format(1, created["id"]), {"status": "approved"})
    listed = api.get(UPDATES.format(1), limit="50").json()
    # And the channel receives that version
    batch = api.post(BATCHES.format(1), {"channel": "1"}).json()["pk"]
    entry["version_date"] = approved.json()["modified_date"]
    patch(api, BATCH.format(1, batch), {"status": "done", "objects": [entry]})
    after = api.get(UPDATES.format(1), limit="50").json()["count"]
    # Then it was listed only in between
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert (before, [row["id"] for row in listed["results"]], after) == (0, [created["id"]], 0)


def test_a_decision_moves_only_forward(api, reason):
    # Given a rejected request
    item = make_order("MP-1").orderitem_set.get()
    created = api.post(REQUESTS.format(1), body(item, reason)).json()
    patch(api, REQUEST.format(1, created["id"]), {"status": "rejected"})
    # When it is approved afterwards
    response = patch(api, REQUEST.format(1, created["id"]), {"status": "approved"})
    # Then 400 invalid_transition, and it stays rejected
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "invalid_transition"
    assert CancellationRequest.objects.get().status == "rejected"
