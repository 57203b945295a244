"""channel/{id}/order_shipping_infos/ through HTTP."""

import pytest

from oms.integrations.models import OrderShippingInfo
from oms.integrations.tests.given import make_order

pytestmark = pytest.mark.django_db
INFOS = "/api/v1/channel/{}/order_shipping_infos/"


def test_an_orders_shipping_info_is_set_then_replaced(api):
    # Given an order of channel 1
    order = make_order("MP-1")
    # When its shipping info is sent, then sent again with the cargo company as an object
    first = api.post(
        INFOS.format(1), {"order": order.pk, "order_number": "MP-1", "shipping_company": 1, "is_send": False}
    )
    second = api.post(
        INFOS.format(1),
        {
            "order": order.pk,
            "order_number": "MP-1",
            "shipping_company": {"pk": 2, "name": "UPS"},
            "is_send": True,
        },
    )
    # Then it is created, then replaced
    assert (first.status_code, second.status_code) == (201, 200), second.content
    info = OrderShippingInfo.objects.get()
    assert (info.shipping_company_id, info.is_send) == (2, True)
    assert api.get(INFOS.format(1), order=str(order.pk)).json()["count"] == 1


def test_a_shipping_info_that_does_not_fit_the_order_is_refused(api):
    # Given an order of channel 1 and one of channel 2
    mine, other = make_order("MP-1"), make_order("OTHER-1", channel_id=2)
    # When the number is wrong, the carrier unknown, or the order another channel's
    wrong = api.post(INFOS.format(1), {"order": mine.pk, "order_number": "MP-2", "shipping_company": 999})
    foreign = api.post(INFOS.format(1), {"order": other.pk, "shipping_company": 1})
    # Then 400 names each problem, and nothing is written
    assert sorted(p["path"] for p in wrong.json()["errors"]) == ["order_number", "shipping_company"]
    assert foreign.status_code == 400 and foreign.json()["errors"][0]["path"] == "order"
    assert not OrderShippingInfo.objects.exists()
