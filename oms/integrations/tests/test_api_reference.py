"""What an integration reads before a run, through HTTP: channels/{id}/ with its conf,
catalogs/{id}/, active_user/ and content_types/."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType

from conftest import ApiClient
from oms.access.models import ApiKey
from oms.access.services import login
from oms.catalog.models import PriceList, StockList
from oms.channels.models import Channel
from oms.integrations.models import BatchRequest, Catalog, ChannelConf

pytestmark = pytest.mark.django_db


def test_a_channel_is_answered_with_its_integration_configuration(api):
    # Given channel 1 configured for its integration
    conf = {"reason_mapping": {"CUSTOMER": 3}, "cancellation_reason_id": 3, "send_shipping_info": True}
    ChannelConf.objects.create(channel_id=1, conf=conf)
    # When the integration reads its channel
    response = api.get("/api/v1/channels/1/")
    # Then it gets is_active and conf
    assert response.status_code == 200, response.content
    assert response.json()["is_active"] is True
    assert response.json()["conf"] == conf


def test_an_inactive_channel_is_answered_so_the_integration_stands_down(api):
    # Given channel 1 deactivated, and no configuration
    Channel.objects.filter(pk=1).update(is_active=False)
    # When the integration reads it
    response = api.get("/api/v1/channels/1/")
    # Then it is answered, inactive, with an empty conf (channel-app then skips its run)
    assert response.status_code == 200
    assert (response.json()["is_active"], response.json()["conf"]) == (False, {})


def test_a_channel_not_granted_is_answered_as_an_unknown_one(api, key_for):
    # Given a key granted channel 2 only
    other = ApiClient(key_for(2))
    # When it reads channel 1, and a channel that does not exist
    not_granted = other.get("/api/v1/channels/1/")
    missing = other.get("/api/v1/channels/999/")
    # Then both are the same 404, but for the id
    assert (not_granted.status_code, missing.status_code) == (404, 404)
    assert not_granted.json()["errors"] == [
        {"path": "pk", "code": "not_found", "message": "Channel 1 does not exist."}
    ]


def test_a_catalog_gives_its_price_and_stock_lists_to_its_channel_only(api, key_for):
    # Given a catalog of channel 1
    catalog = Catalog.objects.create(
        channel_id=1,
        name="Marketplace",
        price_list=PriceList.objects.get(pk=1),
        stock_list=StockList.objects.get(pk=1),
    )
    # When channel 1's key and channel 2's key read it
    mine = api.get(f"/api/v1/catalogs/{catalog.pk}/")
    theirs = ApiClient(key_for(2)).get(f"/api/v1/catalogs/{catalog.pk}/")
    # Then the first gets the lists, the second a 404
    assert mine.status_code == 200
    assert (mine.json()["price_list"], mine.json()["stock_list"]) == (1, 1)
    assert theirs.status_code == 404


def test_active_user_names_the_user_behind_a_login_key(demo):
    # Given a user who logged in, granted channel 1
    get_user_model().objects.create_user(
        username="integration", password="a-long-password", email="i@example.com"
    )
    key = login(username="integration", password="a-long-password", address="127.0.0.1")
    ApiKey.objects.get(user__username="integration").channels.add(1)
    # When its key asks who it is, and a request without a key does
    me = ApiClient(key).get("/api/v1/active_user/")
    nobody = ApiClient(None).get("/api/v1/active_user/")
    # Then the first is the user, the second 401
    assert me.status_code == 200
    assert (me.json()["username"], me.json()["email"], me.json()["channels"]) == (
        "integration",
        "i@example.com",
        [1],
    )
    assert nobody.status_code == 401


def test_content_types_give_the_ids_error_reports_use(api):
    # Given the models integrations name
    # When channel-app asks for the batchrequest content type, and for a model it does not know
    found = api.get("/api/v1/content_types/", model="batchrequest", page="1")
    unknown = api.get("/api/v1/content_types/", model="user")
    # Then exactly one row with the real id, and a 400
    assert found.status_code == 200
    assert [(row["id"], row["model"]) for row in found.json()["results"]] == [
        (ContentType.objects.get_for_model(BatchRequest).pk, "batchrequest")
    ]
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["path"] == "model"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/channels/99999999999999999999/",
        "/api/v1/catalogs/99999999999999999999/",
        "/api/v1/channel/1/integration_actions/99999999999999999999/",
        "/api/v1/channel/1/batch_requests/99999999999999999999/",
        "/api/v1/channel/1/cancellation_requests/99999999999999999999/",
        "/api/v1/channel/1/order_shipping_infos/99999999999999999999/",
    ],
)
def test_an_id_past_bigint_is_simply_not_found(api, path):
    # Given an id no table can hold
    # When it is asked for
    response = api.get(path)
    # Then 404, not a database error
    assert response.status_code == 404, response.content
