"""Countries, cities, townships and districts, read by Omnitron's channel clients to turn an
address's place names into ids (each lookup expects exactly one row on the first page)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router

from oms.access.services import get_channel_for
from oms.core.filters import Filter, boolean, id_filters, text
from oms.core.http import json_response
from oms.core.listing import ID_SORTS, list_openapi, list_page, page_of
from oms.locations import services
from oms.locations.presenters import city_to_wire, country_to_wire, district_to_wire, township_to_wire
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
COUNTRY_FILTERS = _NAMED
CITY_FILTERS = [*_NAMED, *id_filters("country", "country_id", what="country id")]
TOWNSHIP_FILTERS = [
    *_NAMED,
    *id_filters("country", "city__country_id", what="country id"),
    *id_filters("city", "city_id", what="city id"),
]
DISTRICT_FILTERS = [
    *_NAMED,
    *id_filters("country", "city__country_id", what="country id"),
    *id_filters("city", "city_id", what="city id"),
    *id_filters("township", "township_id", what="township id"),
]


@router.get(
    "/channel/{channel_id}/countries/",
    response={200: page_of(CountryOut)},
    summary="List countries",
    openapi_extra=list_openapi(COUNTRY_FILTERS, ID_SORTS),
)
def list_countries(request: HttpRequest, channel_id: int) -> HttpResponse:
    get_channel_for(principal=request.auth, channel_id=channel_id)
    page = list_page(
        request, services.list_countries(), filters=COUNTRY_FILTERS, sorts=ID_SORTS, present=country_to_wire
    )
    return json_response(page)


@router.get("/channel/{channel_id}/countries/{pk}/", response={200: CountryOut}, summary="Retrieve a country")
def get_country(request: HttpRequest, channel_id: int, pk: int) -> HttpResponse:
    get_channel_for(principal=request.auth, channel_id=channel_id)
    return json_response(country_to_wire(services.get_location(services.list_countries(), pk)))


@router.get(
    "/channel/{channel_id}/cities/",
    response={200: page_of(CityOut)},
    summary="List cities",
    openapi_extra=list_openapi(CITY_FILTERS, ID_SORTS),
)
def list_cities(request: HttpRequest, channel_id: int) -> HttpResponse:
    get_channel_for(principal=request.auth, channel_id=channel_id)
    page = list_page(
        request, services.list_cities(), filters=CITY_FILTERS, sorts=ID_SORTS, present=city_to_wire
    )
    return json_response(page)


@router.get("/channel/{channel_id}/cities/{pk}/", response={200: CityOut}, summary="Retrieve a city")
def get_city(request: HttpRequest, channel_id: int, pk: int) -> HttpResponse:
    get_channel_for(principal=request.auth, channel_id=channel_id)
    return json_response(city_to_wire(services.get_location(services.list_cities(), pk)))


@router.get(
    "/channel/{channel_id}/townships/",
    response={200: page_of(TownshipOut)},
    summary="List townships",
    openapi_extra=list_openapi(TOWNSHIP_FILTERS, ID_SORTS),
)
def list_townships(request: HttpRequest, channel_id: int) -> HttpResponse:
    get_channel_for(principal=request.auth, channel_id=channel_id)
    page = list_page(
        request, services.list_townships(), filters=TOWNSHIP_FILTERS, sorts=ID_SORTS, present=township_to_wire
    )
    return json_response(page)


@router.get(
    "/channel/{channel_id}/townships/{pk}/", response={200: TownshipOut}, summary="Retrieve a township"
)
def get_township(request: HttpRequest, channel_id: int, pk: int) -> HttpResponse:
    get_channel_for(principal=request.auth, channel_id=channel_id)
    return json_response(township_to_wire(services.get_location(services.list_townships(), pk)))


@router.get(
    "/channel/{channel_id}/districts/",
    response={200: page_of(DistrictOut)},
    summary="List districts",
    openapi_extra=list_openapi(DISTRICT_FILTERS, ID_SORTS),
)
def list_districts(request: HttpRequest, channel_id: int) -> HttpResponse:
    get_channel_for(principal=request.auth, channel_id=channel_id)
    page = list_page(
        request, services.list_districts(), filters=DISTRICT_FILTERS, sorts=ID_SORTS, present=district_to_wire
    )
    return json_response(page)


@router.get(
    "/channel/{channel_id}/districts/{pk}/", response={200: DistrictOut}, summary="Retrieve a district"
)
def get_district(request: HttpRequest, channel_id: int, pk: int) -> HttpResponse:
    get_channel_for(principal=request.auth, channel_id=channel_id)
    return json_response(district_to_wire(services.get_location(services.list_districts(), pk)))
