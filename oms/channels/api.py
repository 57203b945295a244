"""Cargo companies, which Omnitron's client walks page by page to find an order's carrier by
`erp_code` (it stops only on `next: null`)."""

from __future__ import annotations

from ninja import Router

from oms.channels import services
from oms.channels.schemas import CargoOut
from oms.core.filters import Filter, boolean, datetime_filters, id_filters, text
from oms.core.resources import Resource

router = Router(tags=["channels"])

Resource(
    "cargos",
    CargoOut,
    "cargo",
    rows=services.list_cargo_companies,
    get=services.get_cargo_company,
    filters=[
        Filter("erp_code", "erp_code", text, description="Exact ERP code."),
        Filter("shipping_company", "code", text, description="Exact carrier code (e.g. yurtici)."),
        Filter("name__iexact", "name__iexact", text, description="Name, any case."),
        Filter("is_active", "is_active", boolean, description="true or false."),
        *id_filters("pk", "pk"),
        *datetime_filters("modified_date"),
    ],
    summaries={"list": "List cargo companies", "get": "Retrieve a cargo company"},
).register(router)
