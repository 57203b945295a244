"""Changing orders through HTTP: item PATCH with the transition table, cancellation, history."""

import pytest

from conftest import ApiClient
from oms.channels.models import Channel
from oms.orders.models import Order, OrderHistory, OrderItem
from oms.orders.tests.given import cancel_url, item_url, make_order, make_reason, order_url, patch

pytestmark = pytest.mark.django_db


def snapshot(order: Order) -> tuple:
    """Everything a refused change must leave as it was."""
    order.refresh_from_db()
    items = list(
        OrderItem.objects.filter(order=order)
        .order_by("id")
        .values("status", "cancel_status", "modified_date")
    )
    return order.status, order.modified_date, order.cancellation_info, items, OrderHistory.objects.count()


def history(api, order: Order) -> list[dict]:
    return api.get(order_url(order.pk) + "history/", limit=100).json()["results"]


def only_error(response) -> dict:
    errors = response.json()["errors"]
    assert len(errors) == 1, errors
    return errors[0]


# --- item PATCH --------------------------------------------------------------------------------------


def test_status_change_follows_the_table_and_is_recorded(api):
    # Given an approved order with one item
    order = make_order("S-1")
    item = order.orderitem_set.get()
    before = order.modified_date
    # When the item is moved to preparing
    response = patch(api, item_url(item.pk), {"status": "preparing"})
    # Then the item answers its new status, the order follows, both moves are in the history
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "preparing" and response.json()["order_number"] == "S-1"
    order.refresh_from_db()
    assert order.status == "preparing" and order.modified_date > before
    entries = [(e["kind"], e["item"], e["from"], e["to"], e["actor"]) for e in history(api, order)]
    assert entries == [
        ("stock", item.pk, None, "reserved", "create_orders"),  # on create (test_stock.py)
        ("status", item.pk, "approved", "preparing", "key:demo"),
        ("order_status", None, "approved", "preparing", "key:demo"),
    ]


def test_a_move_outside_the_table_is_400_invalid_transition_naming_from_and_to(api):
    # Given an approved item
    order = make_order("S-2")
    item = order.orderitem_set.get()
    before = snapshot(order)
    # When it is moved straight to delivered
    response = patch(api, item_url(item.pk), {"status": "delivered", "tracking_number": "TR-1"})
    # Then it is refused naming both statuses and what is allowed, and nothing changed
    assert response.status_code == 400
    error = only_error(response)
    assert error["path"] == "status" and error["code"] == "invalid_transition"
    assert '"approved" (400)' in error["message"] and '"delivered" (550)' in error["message"]
    assert "allowed: preparing" in error["message"]
    assert snapshot(order) == before


def test_statuses_may_be_sent_as_codes_and_final_statuses_stay_final(api):
    # Given a delivered item of a channel that answers codes
    Channel.objects.filter(pk=1).update(status_format=Channel.StatusFormat.CODE)
    item = make_order("S-3", status="delivered").orderitem_set.get()
    # When it is refunded by code, then moved again
    refunded = patch(api, item_url(item.pk), {"status": "600"})
    again = patch(api, item_url(item.pk), {"status": "550"})
    # Then the refund is answered as a code, and leaving refunded is refused as final
    assert refunded.status_code == 200 and refunded.json()["status"] == "600"
    assert again.status_code == 400 and "refunded is final" in only_error(again)["message"]


def test_cancelling_by_status_update_is_refused_with_a_pointer_to_the_cancel_endpoint(api):
    # Given an approved item
    order = make_order("S-4")
    item = order.orderitem_set.get()
    before = snapshot(order)
    # When a PATCH tries to cancel it
    response = patch(api, item_url(item.pk), {"status": "cancelled"})
    # Then it is refused: cancelling needs the cancel endpoint and a reason
    assert response.status_code == 400
    assert only_error(response)["code"] == "invalid_transition"
    assert f"orders/{order.pk}/cancel/" in only_error(response)["message"]
    assert snapshot(order) == before


def test_sending_the_current_status_again_is_a_no_op(api):
    # Given an approved item (a client retrying its PATCH sends the same status again)
    order = make_order("S-5")
    item = order.orderitem_set.get()
    before = snapshot(order)
    # When its current status is sent
    response = patch(api, item_url(item.pk), {"status": "approved"})
    # Then it answers the item and nothing changes, not even modified_date
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert snapshot(order) == before


def test_invoice_tracking_and_extra_field_are_updated_and_extra_field_is_merged(api):
    # Given an item with an extra_field
    order = make_order("S-6")
    item = order.orderitem_set.get()
    patch(api, item_url(item.pk), {"extra_field": {"keep": 1, "drop": 2}})
    # When Omnitron's PATCH fields are sent, with order_number as its client sends it
    response = patch(
        api,
        item_url(item.pk),
        {
            "order_number": "S-6",
            "invoice_number": "INV-1",
            "invoice_date": "2025-02-01T12:00:00+03:00",
            "tracking_number": "TR-9",
            "defined_tracking_url": "https://track.example.com/TR-9",
            "extra_field": {"drop": None, "new": {"a": 1}},
        },
    )
    # Then the fields are stored, extra_field is merged (null removes a key), the change is recorded
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["invoice_number"], body["invoice_date"], body["tracking_number"]) == (
        "INV-1",
        "2025-02-01T09:00:00Z",
        "TR-9",
    )
    assert body["defined_tracking_url"] == "https://track.example.com/TR-9"
    assert body["extra_field"] == {"id": "S-6-0", "keep": 1, "new": {"a": 1}}
    update = history(api, order)[-1]
    assert update["kind"] == "update"
    assert update["changes"]["tracking_number"] == {"from": "", "to": "TR-9"}
    assert update["changes"]["extra_field"] == {"keys": ["drop", "new"]}


def test_a_full_item_sent_back_is_accepted_read_only_fields_ignored(api):
    # Given an item read from the API
    order = make_order("S-7")
    item = api.get(item_url(order.orderitem_set.get().pk)).json()
    # When it is sent back whole with one change (read-only fields included)
    response = patch(api, item_url(item["pk"]), {**item, "price": 1, "tracking_number": "TR-7"})
    # Then the change applies and the read-only fields are ignored
    assert response.status_code == 200, response.content
    assert response.json()["tracking_number"] == "TR-7" and response.json()["price"] == 10.0


@pytest.mark.parametrize(
    ("body", "path", "code"),
    [
        ({"status": "foo"}, "status", "invalid_choice"),
        ({"status": None}, "status", "invalid_type"),
        ({"cancel_status": "maybe"}, "cancel_status", "invalid_choice"),
        ({"invoice_date": "notadate"}, "invoice_date", "invalid_format"),
        ({"defined_tracking_url": "ftp://example.com"}, "defined_tracking_url", "invalid_format"),
        ({"tracking_number": "x" * 257}, "tracking_number", "too_long"),
        ({"extra_field": None}, "extra_field", "invalid_type"),
        ({"extra_field": [1]}, "extra_field", "invalid_type"),
        ([{"status": "preparing"}], "", "invalid_type"),
    ],
)
def test_bad_patch_bodies_are_400_naming_the_field(api, body, path, code):
    # Given an approved item
    order = make_order("S-8")
    item = order.orderitem_set.get()
    before = snapshot(order)
    # When a bad body is sent
    response = patch(api, item_url(item.pk), body)
    # Then it is refused naming the field and nothing changes
    assert response.status_code == 400, response.content
    assert (only_error(response)["path"], only_error(response)["code"]) == (path, code)
    assert snapshot(order) == before


def test_patch_needs_json(api):
    # Given an item
    item = make_order("S-9").orderitem_set.get()
    # When the body is form data, or broken JSON
    form = api.client.patch(item_url(item.pk), data="status=preparing", content_type="text/plain", **api.auth)
    broken = api.client.patch(item_url(item.pk), data="{", content_type="application/json", **api.auth)
    # Then the answers are 415 and 400 with the error body
    assert form.status_code == 415 and broken.status_code == 400
    assert only_error(broken)["code"] == "invalid_json"


def test_strict_channels_refuse_unknown_patch_fields(api):
    # Given a channel that refuses unknown fields
    Channel.objects.filter(pk=1).update(strict_fields=True)
    item = make_order("S-10").orderitem_set.get()
    # When a PATCH carries an unknown field
    response = patch(api, item_url(item.pk), {"status": "preparing", "colour": "red"})
    # Then it is refused naming it
    assert response.status_code == 400 and only_error(response)["path"] == "colour"


def test_patch_is_scoped_to_the_channel_and_the_key(api, key_for):
    # Given an item in channel 2
    item = make_order("S-11", channel_id=2).orderitem_set.get()
    # When channel 1's key patches it through channel 1 and through channel 2
    via_channel_one = patch(api, item_url(item.pk, channel_id=1), {"status": "preparing"})
    via_channel_two = patch(api, item_url(item.pk, channel_id=2), {"status": "preparing"})
    by_its_key = patch(ApiClient(key_for(2)), item_url(item.pk, channel_id=2), {"status": "preparing"})
    # Then 404 both ways (channel 2 is not granted: answered as if it did not exist); its own
    # channel's key may
    assert via_channel_one.status_code == 404 and via_channel_two.status_code == 404
    assert via_channel_two.json()["errors"][0]["path"] == "channel_id"
    assert by_its_key.status_code == 200


def test_order_status_is_the_least_advanced_active_item(api):
    # Given an order with two approved items
    order = make_order("S-12", items=2)
    first, second = order.orderitem_set.order_by("id")
    # When one item moves on, then the other
    patch(api, item_url(first.pk), {"status": "preparing"})
    order.refresh_from_db()
    after_one = order.status
    patch(api, item_url(second.pk), {"status": "preparing"})
    order.refresh_from_db()
    # Then the order moves only when both have
    assert (after_one, order.status) == ("approved", "preparing")


def test_delivery_sets_delivered_date(api):
    # Given a shipped item
    item = make_order("S-13", status="shipped").orderitem_set.get()
    # When it is delivered
    response = patch(api, item_url(item.pk), {"status": "delivered"})
    # Then its delivered_date is set
    assert response.json()["delivered_date"] is not None


# --- cancellation ------------------------------------------------------------------------------------


def omnitron_cancel(order: Order, items: list[OrderItem], reason_id: int) -> dict:
    """The body channel-app's CreateOrderCancel posts."""
    return {
        "cancel_items": [item.pk for item in items],
        "order": order.pk,
        "reasons": {str(item.pk): reason_id for item in items},
        "forced_refund_amount": None,
    }


def test_cancel_with_omnitrons_body_cancels_the_items_with_their_reasons(api):
    # Given an order with two approved items and a reason
    order = make_order("C-1", items=2)
    first, second = order.orderitem_set.order_by("id")
    reason = make_reason("out_of_paint")
    # When the first item is cancelled
    response = api.post(cancel_url(order.pk), omnitron_cancel(order, [first], reason.pk))
    # Then it is cancelled (cancel_status confirmed), the other untouched, and the answer is the order
    assert response.status_code == 200, response.content
    items = {row["pk"]: row for row in response.json()["orderitem_set"]}
    assert (items[first.pk]["status"], items[first.pk]["cancel_status"]) == ("cancelled", "confirmed")
    assert (items[second.pk]["status"], items[second.pk]["cancel_status"]) == ("approved", None)
    assert response.json()["status"] == "approved"
    info = response.json()["cancellation_info"]
    assert info["items"][str(first.pk)]["reason"] == reason.pk
    assert info["cancelled_amount"] == "10.00" and info["forced_refund_amount"] is None
    # (followed by the release of its reserved stock, test_stock.py)
    entry, released = history(api, order)[-2:]
    assert (entry["kind"], entry["item"], entry["from"], entry["to"]) == (
        "cancellation",
        first.pk,
        "approved",
        "cancelled",
    )
    assert entry["reason"]["code"] == "out_of_paint"
    assert (released["kind"], released["item"], released["to"]) == ("stock", first.pk, "released")


def test_cancelling_every_item_cancels_the_order_and_moves_modified_date(api):
    # Given an order with two items
    order = make_order("C-2", items=2)
    reason = make_reason()
    before = order.modified_date
    # When both are cancelled
    response = api.post(
        cancel_url(order.pk), omnitron_cancel(order, list(order.orderitem_set.all()), reason.pk)
    )
    # Then the order is cancelled and its modified_date moved (pollers see it)
    order.refresh_from_db()
    assert response.json()["status"] == "cancelled" and order.status == "cancelled"
    assert order.modified_date > before
    assert [(e["kind"], e["to"]) for e in history(api, order)] == [
        ("stock", "reserved"),  # on create (test_stock.py)
        ("stock", "reserved"),
        ("cancellation", "cancelled"),
        ("cancellation", "cancelled"),
        ("stock", "released"),
        ("stock", "released"),
        ("order_status", "cancelled"),
    ]


def test_cancel_without_a_reason_is_400_and_changes_nothing(api):
    # Given an order with two items
    order = make_order("C-3", items=2)
    first, second = order.orderitem_set.order_by("id")
    reason = make_reason()
    before = snapshot(order)
    # When both are cancelled but only one has a reason, or the reason is null as channel-app may send
    partial = api.post(
        cancel_url(order.pk), {"cancel_items": [first.pk, second.pk], "reasons": {str(first.pk): reason.pk}}
    )
    null = api.post(cancel_url(order.pk), {"cancel_items": [first.pk], "reasons": {str(first.pk): None}})
    # Then both are refused naming the item without a reason, and nothing changed
    assert partial.status_code == null.status_code == 400
    assert (only_error(partial)["path"], only_error(partial)["code"]) == (f"reasons.{second.pk}", "required")
    assert only_error(null)["path"] == f"reasons.{first.pk}"
    assert snapshot(order) == before


def test_cancel_with_an_unknown_or_inactive_reason_is_400(api):
    # Given an item and an inactive reason
    order = make_order("C-4")
    item = order.orderitem_set.get()
    inactive = make_reason("retired", is_active=False)
    # When cancelled with an unknown and with the inactive reason
    unknown = api.post(cancel_url(order.pk), omnitron_cancel(order, [item], 999999))
    retired = api.post(cancel_url(order.pk), omnitron_cancel(order, [item], inactive.pk))
    # Then both are refused as not found at the reason
    for response in (unknown, retired):
        assert response.status_code == 400
        assert (only_error(response)["path"], only_error(response)["code"]) == (
            f"reasons.{item.pk}",
            "not_found",
        )


def test_cancelling_again_is_refused_with_a_clear_code_and_changes_nothing(api):
    # Given an item already cancelled
    order = make_order("C-5", items=2)
    first, second = order.orderitem_set.order_by("id")
    reason = make_reason()
    api.post(cancel_url(order.pk), omnitron_cancel(order, [first], reason.pk))
    before = snapshot(order)
    # When it is cancelled again, together with a fresh item
    response = api.post(cancel_url(order.pk), omnitron_cancel(order, [first, second], reason.pk))
    # Then the request is refused with already_cancelled at that item, and the fresh item is untouched
    assert response.status_code == 400
    assert (only_error(response)["path"], only_error(response)["code"]) == (
        "cancel_items.0",
        "already_cancelled",
    )
    assert snapshot(order) == before


def test_approval_channels_wait_then_confirm_or_reject_by_patch(api):
    # Given a channel whose cancellations wait for approval, and an order with two items
    Channel.objects.filter(pk=1).update(cancellation_mode=Channel.CancellationMode.APPROVAL)
    order = make_order("C-6", items=2)
    first, second = order.orderitem_set.order_by("id")
    reason = make_reason()
    # When both are cancelled
    response = api.post(cancel_url(order.pk), omnitron_cancel(order, [first, second], reason.pk))
    # Then they wait for cancellation, and so does the order
    items = response.json()["orderitem_set"]
    assert {(i["status"], i["cancel_status"]) for i in items} == {("cancellation_waiting", "waiting")}
    assert response.json()["status"] == "cancellation_waiting"
    # When cancelling them again
    again = api.post(cancel_url(order.pk), omnitron_cancel(order, [first], reason.pk))
    # Then it is refused as pending
    assert again.status_code == 400 and only_error(again)["code"] == "cancellation_pending"
    # When one cancellation is confirmed and the other rejected
    confirmed = patch(api, item_url(first.pk), {"status": "cancelled"})
    rejected = patch(api, item_url(second.pk), {"status": "approved"})
    # Then their cancel statuses record the decision, and the order follows the remaining item
    assert (confirmed.json()["status"], confirmed.json()["cancel_status"]) == ("cancelled", "confirmed")
    assert (rejected.json()["status"], rejected.json()["cancel_status"]) == ("approved", "rejected")
    order.refresh_from_db()
    assert order.status == "approved"


def test_a_shipped_item_cannot_be_cancelled(api):
    # Given a shipped item
    order = make_order("C-7", status="shipped")
    item = order.orderitem_set.get()
    before = snapshot(order)
    # When it is cancelled
    response = api.post(cancel_url(order.pk), omnitron_cancel(order, [item], make_reason().pk))
    # Then it is refused as an invalid transition
    assert response.status_code == 400 and only_error(response)["code"] == "invalid_transition"
    assert snapshot(order) == before


def test_is_all_cancels_every_active_item_with_one_default_reason(api):
    # Given an order with three items, one already cancelled
    order = make_order("C-8", items=3)
    first, *rest = order.orderitem_set.order_by("id")
    reason = make_reason()
    api.post(cancel_url(order.pk), omnitron_cancel(order, [first], reason.pk))
    # When the rest are cancelled with is_all and one reason for all
    response = api.post(
        cancel_url(order.pk), {"is_all": True, "reason": reason.pk, "forced_refund_amount": "5.00"}
    )
    # Then the other two are cancelled, the forced refund is recorded, and the order is cancelled
    assert response.status_code == 200, response.content
    assert {i["status"] for i in response.json()["orderitem_set"]} == {"cancelled"}
    assert {i["forced_refund"] for i in response.json()["orderitem_set"] if i["pk"] != first.pk} == {True}
    info = response.json()["cancellation_info"]
    assert set(info["items"]) == {str(item.pk) for item in [first, *rest]}
    assert info["forced_refund_amount"] == "5.00" and info["cancelled_amount"] == "30.00"
    # When is_all is sent again
    again = api.post(cancel_url(order.pk), {"is_all": True, "reason": reason.pk})
    # Then nothing is left to cancel
    assert again.status_code == 400 and only_error(again)["code"] == "already_cancelled"


@pytest.mark.parametrize(
    ("body", "path", "code"),
    [
        ({}, "cancel_items", "required"),
        ({"cancel_items": []}, "cancel_items", "required"),
        ({"is_all": True, "cancel_items": [1]}, "is_all", "invalid"),
        ({"cancel_items": ["x"]}, "cancel_items.0", "invalid_type"),
        ({"cancel_items": [1], "reasons": {"one": 1}}, "reasons", "invalid_format"),
        ({"cancel_items": [1], "forced_refund_amount": "-1"}, "forced_refund_amount", "out_of_range"),
    ],
)
def test_bad_cancel_bodies_are_400_naming_the_field(api, body, path, code):
    # Given an order
    order = make_order("C-9")
    before = snapshot(order)
    # When a malformed cancel body is posted
    response = api.post(cancel_url(order.pk), body)
    # Then it is refused naming the field, and nothing changes
    assert response.status_code == 400, response.content
    assert (only_error(response)["path"], only_error(response)["code"]) == (path, code)
    assert snapshot(order) == before


def test_cancel_names_items_of_other_orders_and_refunds_above_the_amount(api):
    # Given two orders
    order, other = make_order("C-10"), make_order("C-11")
    item, foreign = order.orderitem_set.get(), other.orderitem_set.get()
    reason = make_reason()
    # When an item of the other order is named, and a forced refund exceeds the amount
    response = api.post(
        cancel_url(order.pk),
        {
            "cancel_items": [item.pk, foreign.pk],
            "reasons": {str(item.pk): reason.pk, str(foreign.pk): reason.pk},
            "forced_refund_amount": "10.01",
            "order": other.pk,
        },
    )
    # Then every problem is named at once
    assert response.status_code == 400
    paths = sorted(error["path"] for error in response.json()["errors"])
    assert paths == ["cancel_items.1", "forced_refund_amount", "order", f"reasons.{foreign.pk}"]


def test_cancel_is_scoped_to_the_channel(api, key_for):
    # Given an order in channel 2
    order = make_order("C-12", channel_id=2)
    item = order.orderitem_set.get()
    body = omnitron_cancel(order, [item], make_reason().pk)
    # When channel 1's key cancels it through channel 1 and channel 2
    via_one = api.post(cancel_url(order.pk, channel_id=1), body)
    via_two = api.post(cancel_url(order.pk, channel_id=2), body)
    # Then 404 both ways (channel 2 is not granted: answered as if it did not exist), and the
    # item is untouched
    assert (via_one.status_code, via_two.status_code) == (404, 404)
    assert OrderItem.objects.get(pk=item.pk).status == "approved"


# --- history and reasons -------------------------------------------------------------------------------


def test_history_lists_every_change_in_order_with_who_and_why(api, key_for):
    # Given changes by two keys: a status move, a cancellation with a reason
    order = make_order("H-1", items=2)
    first, second = order.orderitem_set.order_by("id")
    other_key = ApiClient(key_for(1))
    reason = make_reason("damaged_box")
    patch(api, item_url(first.pk), {"status": "preparing"})
    other_key.post(cancel_url(order.pk), omnitron_cancel(order, [second], reason.pk))
    # When the history is read
    entries = history(api, order)
    # Then every change is there, oldest first, with its actor and reason
    assert [(e["kind"], e["from"], e["to"], e["actor"]) for e in entries] == [
        ("stock", None, "reserved", "create_orders"),
        ("stock", None, "reserved", "create_orders"),
        ("status", "approved", "preparing", "key:demo"),
        ("cancellation", "approved", "cancelled", "key:test"),
        ("stock", "reserved", "released", "key:test"),
        ("order_status", "approved", "preparing", "key:test"),
    ]
    assert entries[3]["reason"]["code"] == "damaged_box" and entries[2]["reason"] is None
    assert [e["pk"] for e in entries] == sorted(e["pk"] for e in entries)


def test_history_of_another_channels_order_is_404(api):
    # Given an order in channel 2
    order = make_order("H-2", channel_id=2)
    # When channel 1's history of it is read
    response = api.get(order_url(order.pk) + "history/")
    # Then it is not found
    assert response.status_code == 404


def test_cancellation_reasons_are_listed_and_filtered(api):
    # Given a cancel reason, an active and an inactive refund reason
    make_reason("lost_parcel", "cancel")
    make_reason("broken_on_arrival", "refund")
    make_reason("old_refund", "refund", is_active=False)
    # When they are listed, filtered by type and activity, and with a bad type
    every = api.get("/api/v1/channel/1/cancellation_reasons/", limit=100).json()
    refunds = api.get("/api/v1/channel/1/cancellation_reasons/", cancellation_type="refund", is_active="true")
    bad = api.get("/api/v1/channel/1/cancellation_reasons/", cancellation_type="return")
    # Then the shape is a page of reasons, filters apply, and a bad value is named
    assert {"lost_parcel", "broken_on_arrival", "old_refund"} <= {r["code"] for r in every["results"]}
    assert {"pk", "reason", "code", "cancellation_type", "is_active"} <= set(every["results"][0])
    refund_codes = {r["code"] for r in refunds.json()["results"]}
    assert "broken_on_arrival" in refund_codes and not refund_codes & {"lost_parcel", "old_refund"}
    assert bad.status_code == 400 and only_error(bad)["path"] == "cancellation_type"
