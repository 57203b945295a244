"""The resource pattern on its own: a read-only channel resource declared as the README shows
(the payment options, which the API does not serve), served by ninja's test client."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Annotated

import pytest
from ninja import NinjaAPI, Router
from ninja.testing import TestClient

from oms.access.services import authenticate_key
from oms.api import api
from oms.channels.models import PaymentOption
from oms.core.answers import ChannelRowOut, DateTimeOut, From
from oms.core.filters import Filter, boolean, id_filters, text
from oms.core.lookup import channel_row_getter
from oms.core.resources import Resource


class PaymentOptionOut(ChannelRowOut):  # pk, id and channel, as every channel row answers them
    name: str
    slug: str
    first_refund_strategy: Annotated[str | None, From(blank_as_null=True)]
    is_active: bool
    created_date: DateTimeOut
    modified_date: DateTimeOut


def list_payment_options(*, channel):
    return PaymentOption.objects.filter(channel=channel)


get_payment_option = channel_row_getter(list_payment_options, "Payment option")


services = SimpleNamespace(list_payment_options=list_payment_options, get_payment_option=get_payment_option)
router = Router()
Resource.of(
    services,
    "payment_option",
    PaymentOptionOut,
    "list get",
    filters=[
        Filter("slug", "slug", text, description="Exact slug."),
        Filter("is_active", "is_active", boolean, description="true or false."),
        *id_filters("pk", "pk"),
    ],
).register(router)
# Mounted on an API answering errors as oms.api does (its exception handlers).
served = NinjaAPI(urls_namespace="test-resources")
served._exception_handlers = dict(api._exception_handlers)
served.add_router("/", router)
client = TestClient(served)


@pytest.fixture
def channel_1_key(demo, key_for):
    return authenticate_key(key_for(1))


def test_a_declared_resource_lists_and_retrieves_its_channels_rows(channel_1_key):
    # Given the payment options of channel 1 and of channel 2
    mine = PaymentOption.objects.filter(channel_id=1).first()
    other = PaymentOption.objects.filter(channel_id=2).first()
    # When channel 1's key lists them, filtered, and retrieves one of each channel
    page = client.get(f"/channel/1/payment_options/?slug={mine.slug}", auth=channel_1_key)
    one = client.get(f"/channel/1/payment_options/{mine.pk}/", auth=channel_1_key)
    foreign = client.get(f"/channel/1/payment_options/{other.pk}/", auth=channel_1_key)
    # Then the list is a DRF page of channel 1's rows as the schema renders them, and another
    # channel's row does not exist
    assert page.status_code == 200 and page.json()["count"] == 1
    assert page.json()["results"] == [one.json()]
    assert one.json() == {
        **PaymentOptionOut.model_validate(one.json()).model_dump(mode="json"),
        "channel": 1,
        "slug": mine.slug,
    }
    assert foreign.status_code == 404


def test_a_declared_resource_checks_the_channel_and_every_parameter(channel_1_key):
    # Given a key granted channel 1 only
    # When it asks for channel 2's list, and for its own with a bad filter and a bad limit
    refused = client.get("/channel/2/payment_options/", auth=channel_1_key)
    bad = client.get("/channel/1/payment_options/?is_active=maybe&limit=0", auth=channel_1_key)
    # Then the other channel is answered as one that does not exist, and both bad parameters
    # are named at once
    missing = client.get("/channel/999999/payment_options/", auth=channel_1_key)
    assert refused.status_code == 404 and refused.json()["errors"] == [
        {**problem, "message": problem["message"].replace("999999", "2")}
        for problem in missing.json()["errors"]
    ]
    assert bad.status_code == 400
    assert {problem["path"] for problem in bad.json()["errors"]} == {"is_active", "limit"}
