"""Countries, cities, townships and districts, read by Omnitron's channel clients to turn an
address's place names into ids (each lookup expects exactly one row on the first page)."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Model, QuerySet
from ninja import Router

from oms.core.filters import Filter, boolean, id_filters, text
from oms.core.listing import ID_SORTS
from oms.core.resources import Resource
from oms.locations import services
from oms.locations.schemas import CityOut, CountryOut, DistrictOut, TownshipOut

router = Router(tags=["locations"])

_NAMED = [
    Filter("name", "name", text, description="Exact name."),
    Filter("name__exact", "name", text, description="Exact name."),
    Filter("name__iexact", "name__iexact", text, description="Name, any case."),
    Filter("code", "code", text, description="Exact code."),
    Filter("code__exact", "code", text, description="Exact code."),
    Filter(
        "is_active", "is_active", boolean, description="true or false (True, as sent by Omnitron's client)."
    ),
    *id_filters("pk", "pk"),
]
_COUNTRY = id_filters("country", "city__country_id", what="country id")
_CITY = id_filters("city", "city_id", what="city id")


def _read_only(path: str, out: type, noun: str, plural: str, rows: Callable[[], QuerySet], filters) -> None:
    def get(pk: int) -> Model:
        return services.get_location(rows(), pk)

    Resource(path, out, noun, plural=plural, rows=rows, get=get, filters=filters, sorts=ID_SORTS).register(
        router
    )


_read_only("countries", CountryOut, "country", "countries", services.list_countries, _NAMED)
_read_only(
    "cities",
    CityOut,
    "city",
    "cities",
    services.list_cities,
    [*_NAMED, *id_filters("country", "country_id", what="country id")],
)
_read_only(
    "townships", TownshipOut, "township", "townships", services.list_townships, [*_NAMED, *_COUNTRY, *_CITY]
)
_read_only(
    "districts",
    DistrictOut,
    "district",
    "districts",
    services.list_districts,
    [*_NAMED, *_COUNTRY, *_CITY, *id_filters("township", "township_id", what="township id")],
)
