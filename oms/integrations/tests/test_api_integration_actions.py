"""channel/{id}/integration_actions/ through HTTP: mapping objects to the channel's ids, the
lookups channel-app makes, and channel isolation."""

import pytest

from oms.integrations.kinds import content_types
from oms.integrations.models import IntegrationAction
from oms.integrations.tests.given import delete, make_order, patch

pytestmark = pytest.mark.django_db
ACTIONS = "/api/v1/channel/{}/integration_actions/"
ACTION = "/api/v1/channel/{}/integration_actions/{}/"


def test_products_are_mapped_and_found_by_their_remote_ids(api):
    # Given two products mapped to the channel's product ids, by model name and by content type id
    first = api.post(ACTIONS.format(1), {"content_type": "product", "object_id": 1, "remote_id": "MP-1"})
    product_type = content_types()["product"].pk
    second = api.post(ACTIONS.format(1), {"content_type": product_type, "object_id": 2, "remote_id": 7})
    assert (first.status_code, second.status_code) == (201, 201), second.content
    # When channel-app looks them up as it does before creating an order
    response = api.get(
        ACTIONS.format(1), channel="1", content_type_name="product", remote_id__in="MP-1,7,MP-404", sort="id"
    )
    # Then both are answered with the fields it reads, and the page is the last one
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["next"] is None
    assert [(row["remote_id"], row["object_id"]) for row in body["results"]] == [("MP-1", 1), ("7", 2)]
    assert body["results"][0]["content_type"] == {
        "id": product_type,
        "app_label": "catalog",
        "model": "product",
    }
    assert body["results"][0]["status"] == "success"


def test_an_object_the_channel_cannot_see_or_already_linked_is_refused_and_nothing_is_written(api):
    # Given an order of channel 2 and a product already linked in channel 1
    other = make_order("OTHER-1", channel_id=2)
    api.post(ACTIONS.format(1), {"content_type": "product", "object_id": 1, "remote_id": "MP-1"})
    before = IntegrationAction.objects.count()
    # When channel 1 links the other channel's order, a missing product and the product again
    foreign = api.post(ACTIONS.format(1), {"content_type": "order", "object_id": other.pk, "remote_id": "X"})
    missing = api.post(ACTIONS.format(1), {"content_type": "product", "object_id": 999, "remote_id": "X"})
    again = api.post(ACTIONS.format(1), {"content_type": "product", "object_id": 1, "remote_id": "MP-2"})
    unknown = api.post(ACTIONS.format(1), {"content_type": "customer", "object_id": 1})
    # Then each is a 400 naming the field, and nothing was written
    assert [r.status_code for r in (foreign, missing, again, unknown)] == [400] * 4
    assert foreign.json()["errors"][0] | {"message": ""} == {
        "path": "object_id",
        "code": "not_found",
        "message": "",
    }
    assert missing.json()["errors"][0]["code"] == "not_found"
    assert again.json()["errors"][0] | {"message": ""} == {
        "path": "object_id",
        "code": "duplicate",
        "message": "",
    }
    assert unknown.json()["errors"][0] | {"message": ""} == {
        "path": "content_type",
        "code": "invalid_choice",
        "message": "",
    }
    assert IntegrationAction.objects.count() == before


def test_an_action_sent_back_whole_changes_what_changed(api):
    # Given a linked product, read back as channel-app's UpdateIntegrationActions reads it
    created = api.post(
        ACTIONS.format(1), {"content_type": "product", "object_id": 1, "remote_id": "MP-1"}
    ).json()
    body = {key: value for key, value in created.items() if key != "content_type"}
    body |= {
        "content_type_id": created["content_type"]["id"],
        "remote_id": "MP-1-NEW",
        "state": {"synced": True},
    }
    # When it is sent back with a new remote id and state
    response = patch(api, ACTION.format(1, created["pk"]), body)
    # Then those change and the read-only fields sent along are ignored
    assert response.status_code == 200, response.content
    assert (response.json()["remote_id"], response.json()["state"]) == ("MP-1-NEW", {"synced": True})
    assert response.json()["created_date"] == created["created_date"]


def test_another_channels_actions_are_invisible(api, key_for):
    # Given an action of channel 1, and a key granted only channel 2
    from conftest import ApiClient

    created = api.post(
        ACTIONS.format(1), {"content_type": "product", "object_id": 1, "remote_id": "MP-1"}
    ).json()
    other = ApiClient(key_for(2))
    # When the other key reads channel 1, and reaches for the action through channel 2
    listed = other.get(ACTIONS.format(1))
    through_own = other.get(ACTION.format(2, created["pk"]))
    removed = delete(other, ACTION.format(2, created["pk"]))
    # Then channel 1 is not found for this key and the action does not exist in channel 2
    assert listed.status_code == 404
    assert (through_own.status_code, removed.status_code) == (404, 404)
    assert IntegrationAction.objects.filter(pk=created["pk"]).exists()


def test_bad_filter_values_are_400_naming_the_parameter(api):
    # Given nothing
    # When filters get values that cannot be used
    response = api.get(
        ACTIONS.format(1), object_id__in="1,abc", local_batch_id="not-a-uuid", content_type_name="x"
    )
    # Then one 400 names each parameter
    assert response.status_code == 400
    assert sorted(problem["path"] for problem in response.json()["errors"]) == [
        "content_type_name",
        "local_batch_id",
        "object_id__in",
    ]


def test_an_action_is_deleted(api):
    # Given a linked product
    created = api.post(
        ACTIONS.format(1), {"content_type": "product", "object_id": 1, "remote_id": "MP-1"}
    ).json()
    # When it is deleted
    response = delete(api, ACTION.format(1, created["pk"]))
    # Then it is gone
    assert response.status_code == 204
    assert api.get(ACTION.format(1, created["pk"])).status_code == 404
