"""The cargo companies endpoint through HTTP, walked as Omnitron's client walks it."""

import pytest

from oms.channels.models import CargoCompany

pytestmark = pytest.mark.django_db
CARGOS = "/api/v1/channel/1/cargos/"


def test_the_client_walks_every_page_until_next_is_null(api):
    # Given the demo cargo companies Yurtiçi (YK) and UPS, and a third
    CargoCompany.objects.create(name="Aras Kargo", code="aras", erp_code="aras")
    # When the list is walked a page at a time, as the client does (it stops only on next: null)
    rows, page = [], 1
    while True:
        body = api.get(CARGOS, page=str(page), limit="2").json()
        rows += body["results"]
        if body["next"] is None:
            break
        page += 1
    # Then every cargo company is seen once, with the fields the client reads
    assert page == 2
    aras = next(row for row in rows if row["erp_code"] == "aras")
    assert [row["shipping_company"] for row in rows] == ["yurtici", "ups", "aras"]
    assert set(aras) >= {"pk", "name", "erp_code", "shipping_company", "modified_date", "created_date"}


def test_filters_by_erp_code_and_retrieves_one(api):
    # Given the demo cargo companies
    # When one is found by its ERP code and retrieved
    found = api.get(CARGOS, erp_code="YK").json()["results"]
    retrieved = api.get(CARGOS + "2/").json()
    missing = api.get(CARGOS + "99/")
    # Then the right rows are answered
    assert [(row["pk"], row["shipping_company"]) for row in found] == [(1, "yurtici")]
    assert (retrieved["name"], retrieved["shipping_company"], retrieved["erp_code"]) == ("UPS", "ups", "UPS")
    assert missing.status_code == 404
