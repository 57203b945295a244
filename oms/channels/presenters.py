"""Cargo companies as answered on the wire (CargoOut)."""

from __future__ import annotations

from typing import Any

from oms.channels.models import CargoCompany
from oms.core.render import wire_datetime


def cargo_to_wire(cargo: CargoCompany) -> dict[str, Any]:
    return {
        "pk": cargo.pk,
        "id": cargo.pk,
        "name": cargo.name,
        "erp_code": cargo.erp_code,
        "shipping_company": cargo.code,
        "is_active": cargo.is_active,
        "created_date": wire_datetime(cargo.created_date),
        "modified_date": wire_datetime(cargo.modified_date),
    }
