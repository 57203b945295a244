"""Every route that reads one row by a path id answers an id no row can have (past bigint, zero)
as a missing row: a 404 naming `pk`, never a database error."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

ROW_ROUTES = [
    "/api/v1/channel/1/customers/{pk}/",
    "/api/v1/channel/1/addresses/{pk}/",
    "/api/v1/channel/1/integration_actions/{pk}/",
    "/api/v1/channel/1/batch_requests/{pk}/",
    "/api/v1/channel/1/cancellation_requests/{pk}/",
    "/api/v1/channel/1/order_shipping_infos/{pk}/",
    "/api/v1/channel/1/order_items/{pk}/",
    "/api/v1/channel/1/countries/{pk}/",
    "/api/v1/channel/1/districts/{pk}/",
    "/api/v1/channel/1/cargos/{pk}/",
    "/api/v1/price_lists/1/prices/{pk}/",
    "/api/v1/stock_lists/1/stocks/{pk}/",
    "/api/v1/products/{pk}/",
]


@pytest.mark.parametrize("route", ROW_ROUTES)
@pytest.mark.parametrize("pk", [2**63, 0])
def test_an_id_no_row_can_have_is_a_missing_row(api, route, pk):
    # Given the demo data, whose rows have small ids
    # When a row is asked for by an id past bigint, or by zero
    response = api.get(route.format(pk=pk))
    # Then it is answered as a row that does not exist
    assert response.status_code == 404, response.content
    assert response.json()["errors"][0]["path"] == "pk"
    assert f" {pk} does not exist" in response.json()["detail"]
