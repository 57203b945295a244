"""Reading cargo companies: shared by every channel."""

from __future__ import annotations

from django.db.models import QuerySet

from oms.channels.models import CargoCompany
from oms.core.lookup import get_row


def list_cargo_companies() -> QuerySet[CargoCompany]:
    return CargoCompany.objects.all()


def get_cargo_company(*, pk: int) -> CargoCompany:
    return get_row(CargoCompany.objects.all(), pk, label="Cargo company")
