"""channel/{id}/batch_requests/ through HTTP: the state machine channel-app drives, and the
integration actions its objects become."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from oms.integrations.models import BatchRequest, IntegrationAction
from oms.integrations.tests.given import make_order, patch
from oms.integrations.transitions import FINAL, TRANSITIONS

pytestmark = pytest.mark.django_db
BATCHES = "/api/v1/channel/{}/batch_requests/"
BATCH = "/api/v1/channel/{}/batch_requests/{}/"
ACTIONS = "/api/v1/channel/{}/integration_actions/"


def objects_of(order, *, version: str = "2025-01-01T10:00:00Z") -> list[dict]:
    """The order and its items as channel-app's create_batch_objects writes them after creating it."""
    entries = [
        {
            "pk": order.pk,
            "failed_reason_type": None,
            "remote_id": order.number,
            "version_date": version,
            "content_type": "order",
        }
    ]
    entries += [
        {
            "pk": item.pk,
            "failed_reason_type": None,
            "remote_id": item.extra_field["id"],
            "version_date": version,
            "content_type": "orderitem",
        }
        for item in order.orderitem_set.order_by("pk")
    ]
    return entries


def test_a_run_opens_commits_each_order_and_finishes_with_its_objects_linked(api):
    # Given two orders a run created
    first, second = make_order("MP-1", lines=("L-1", "L-1")), make_order("MP-2", lines=("L-2",))
    # When the run opens its batch as channel-app does, commits each order, and finishes
    opened = api.post(BATCHES.format(1), {"channel": "1"})
    pk = opened.json()["pk"]
    commits = [
        patch(
            api,
            BATCH.format(1, pk),
            {"channel": "1", "content_type": "order", "objects": objects_of(order), "status": "commit"},
        )
        for order in (first, second)
    ]
    processing = api.get(
        ACTIONS.format(1),
        local_batch_id=opened.json()["local_batch_id"],
        status="processing",
        channel_id="1",
        limit="50",
        sort="id",
    )
    done = patch(
        api,
        BATCH.format(1, pk),
        {"channel": "1", "objects": objects_of(first) + objects_of(second), "status": "done"},
    )
    # Then the batch went initialized -> commit -> commit -> done
    assert opened.status_code == 201, opened.content
    assert opened.json()["status"] == "initialized" and opened.json()["objects"] == []
    assert [c.status_code for c in commits] == [200, 200], commits[0].content
    assert done.status_code == 200 and done.json()["status"] == "done"
    # And while it ran its objects were processing, found by its local_batch_id
    assert processing.json()["count"] == 5
    # And now each is linked to the channel's id, looked up as channel-app's cancel command does
    order_link = api.get(
        ACTIONS.format(1), channel="1", content_type_name="order", remote_id__exact="MP-1"
    ).json()
    line_links = api.get(
        ACTIONS.format(1), content_type_name="orderitem", remote_id__exact="L-1", sort="id"
    ).json()
    assert [row["object_id"] for row in order_link["results"]] == [first.pk]
    assert [row["object_id"] for row in line_links["results"]] == sorted(
        first.orderitem_set.values_list("pk", flat=True)
    )
    assert set(IntegrationAction.objects.values_list("status", flat=True)) == {"success"}
    assert [entry["remote_id"] for entry in done.json()["objects"]] == ["MP-1", "L-1", "L-1", "MP-2", "L-2"]


def test_a_finished_batch_refuses_any_move_with_omnitrons_406(api):
    # Given a batch that failed mid-run (channel-app's check_run sends objects null)
    pk = api.post(BATCHES.format(1), {"channel": "1"}).json()["pk"]
    failed = patch(api, BATCH.format(1, pk), {"channel": "1", "objects": None, "status": "fail"})
    # When the run then finishes as done, as OrderService always does, or commits another order
    done = patch(api, BATCH.format(1, pk), {"channel": "1", "objects": [], "status": "done"})
    commit = patch(
        api,
        BATCH.format(1, pk),
        {"channel": "1", "objects": objects_of(make_order("MP-9")), "status": "commit"},
    )
    # Then both are refused with 406 and Omnitron's code, in the one error body, and nothing changed
    assert failed.status_code == 200
    for refused in (done, commit):
        assert refused.status_code == 406, refused.content
        body = refused.json()
        assert body["error_code"] == "batch_request_status_100_1"
        assert body["errors"][0]["path"] == "status" and body["errors"][0]["code"] == "invalid_transition"
    assert BatchRequest.objects.get(pk=pk).status == "fail"
    assert not IntegrationAction.objects.exists()


@pytest.mark.parametrize("current", sorted(TRANSITIONS))
def test_every_status_moves_only_as_the_table_says(api, current):
    # Given a batch in each status
    pk = api.post(BATCHES.format(1), {"channel": "1"}).json()["pk"]
    BatchRequest.objects.filter(pk=pk).update(status=current)
    answers = {}
    for target in sorted(TRANSITIONS):
        # When it is asked to move to each status (and put back)
        answers[target] = patch(api, BATCH.format(1, pk), {"status": target}).status_code
        BatchRequest.objects.filter(pk=pk).update(status=current)
    # Then allowed moves are 200 and the others 406; nothing leaves done or fail
    assert answers == {target: 200 if target in TRANSITIONS[current] else 406 for target in TRANSITIONS}
    assert (current in FINAL) == all(code == 406 for code in answers.values())


def test_objects_the_channel_cannot_see_are_refused_and_nothing_is_recorded(api):
    # Given an order of channel 2 and a batch of channel 1
    other = make_order("OTHER-1", channel_id=2)
    mine = make_order("MP-1")
    pk = api.post(BATCHES.format(1), {"channel": "1", "content_type": "order"}).json()["pk"]
    # When a commit names the other channel's order and an item that does not exist
    response = patch(
        api,
        BATCH.format(1, pk),
        {
            "status": "commit",
            "objects": [
                {"pk": mine.pk, "remote_id": "MP-1"},
                {"pk": other.pk, "remote_id": "X"},
                {"pk": 10**12, "content_type": "orderitem"},
            ],
        },
    )
    # Then 400 names each, the batch did not move and no link was written
    assert response.status_code == 400, response.content
    assert [(p["path"], p["code"]) for p in response.json()["errors"]] == [
        ("objects.1.pk", "not_found"),
        ("objects.2.pk", "not_found"),
    ]
    assert BatchRequest.objects.get(pk=pk).status == "initialized"
    assert not IntegrationAction.objects.exists()


def test_a_null_remote_id_keeps_the_link_and_a_repeated_object_counts_once(api):
    # Given an order linked by a finished run
    order = make_order("MP-1")
    first = api.post(BATCHES.format(1), {"channel": "1"}).json()["pk"]
    patch(api, BATCH.format(1, first), {"status": "done", "objects": objects_of(order)})
    # When a later run commits the order without a remote id (as GetOrders does), twice in one update
    later = api.post(BATCHES.format(1), {"channel": "1"}).json()["pk"]
    entry = {
        "pk": order.pk,
        "content_type": "order",
        "remote_id": None,
        "version_date": "2025-02-01T00:00:00Z",
    }
    response = patch(api, BATCH.format(1, later), {"status": "commit", "objects": [entry, entry]})
    # Then the order keeps its remote id, takes the new version and belongs to the later run
    assert response.status_code == 200, response.content
    action = IntegrationAction.objects.get(content_type__model="order", object_id=order.pk)
    assert (action.remote_id, action.status, action.batch_request_id) == ("MP-1", "processing", later)
    assert action.version_date.isoformat() == "2025-02-01T00:00:00+00:00"


def test_a_failed_object_is_an_error_and_fail_ends_every_processing_one_in_error(api):
    # Given two orders committed by one run, the channel rejecting the second
    first, second = make_order("MP-1"), make_order("MP-2")
    pk = api.post(BATCHES.format(1), {"channel": "1", "content_type": "order"}).json()["pk"]
    rejected = {"pk": second.pk, "remote_id": None, "failed_reason_type": "remote"}
    patch(api, BATCH.format(1, pk), {"status": "commit", "objects": [{"pk": first.pk}, rejected]})
    # When the run fails
    patch(api, BATCH.format(1, pk), {"status": "fail", "objects": None})
    # Then both links are errors, the second with the reason the channel gave
    actions = {a.object_id: a for a in IntegrationAction.objects.all()}
    assert (actions[first.pk].status, actions[first.pk].failed_reason_type) == ("error", "")
    assert (actions[second.pk].status, actions[second.pk].failed_reason_type) == ("error", "remote")


def test_batches_are_listed_by_repeated_status_as_channel_app_asks(api):
    # Given batches in several statuses
    for status in ("sent_to_remote", "ongoing", "done"):
        pk = api.post(BATCHES.format(1), {"channel": "1", "content_type": "order"}).json()["pk"]
        patch(api, BATCH.format(1, pk), {"status": status, "remote_batch_id": f"R-{status}"})
    # When channel-app lists those still with the channel
    response = api.client.get(
        BATCHES.format(1) + "?status=sent_to_remote&status=ongoing&content_type=order&channel=1", **api.auth
    )
    # Then exactly those are answered
    assert response.status_code == 200
    assert sorted(row["remote_batch_id"] for row in response.json()["results"]) == [
        "R-ongoing",
        "R-sent_to_remote",
    ]


def test_another_channels_batch_does_not_exist_for_a_channel(api, key_for):
    # Given a batch of channel 1
    from conftest import ApiClient

    pk = api.post(BATCHES.format(1), {"channel": "1"}).json()["pk"]
    other = ApiClient(key_for(2))
    # When channel 2 moves it through its own URL, or names channel 1 in its body
    moved = patch(other, BATCH.format(2, pk), {"status": "done"})
    mismatch = other.post(BATCHES.format(2), {"channel": "1"})
    # Then it does not exist there, and the body's channel must be the URL's
    assert moved.status_code == 404
    assert mismatch.status_code == 400 and mismatch.json()["errors"][0]["code"] == "mismatch"
    assert BatchRequest.objects.get(pk=pk).status == "initialized"


def test_recording_objects_costs_the_same_queries_for_1_or_50(api):
    # Given one order with 1 item and one with 49
    small, large = make_order("MP-S"), make_order("MP-L", lines=tuple(f"L-{n}" for n in range(49)))
    counts = []
    for order in (small, large):
        pk = api.post(BATCHES.format(1), {"channel": "1"}).json()["pk"]
        # When each is committed
        with CaptureQueriesContext(connection) as queries:
            response = patch(api, BATCH.format(1, pk), {"status": "commit", "objects": objects_of(order)})
        assert response.status_code == 200
        counts.append(len(queries))
    # Then both cost the same number of queries
    assert counts[0] == counts[1], counts
