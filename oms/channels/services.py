"""Reading cargo companies: shared by every channel."""

from __future__ import annotations

from django.db.models import QuerySet

from oms.channels.models import CargoCompany
from oms.core.errors import ErrorCode, NotFound, Problem


def list_cargo_companies() -> QuerySet[CargoCompany]:
    return CargoCompany.objects.all()


def get_cargo_company(*, pk: int) -> CargoCompany:
    cargo = CargoCompany.objects.filter(pk=pk).first()
    if cargo is None:
        raise NotFound(Problem("pk", ErrorCode.NOT_FOUND, f"Cargo company {pk} does not exist."))
    return cargo
