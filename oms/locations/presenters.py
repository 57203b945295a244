"""Locations as answered on the wire; each names the rows it nests in (by id)."""

from __future__ import annotations

from typing import Any

from oms.locations.models import City, Country, District, Township


def _base(row: Country | City | Township | District) -> dict[str, Any]:
    return {"pk": row.pk, "id": row.pk, "name": row.name, "code": row.code, "is_active": row.is_active}


def country_to_wire(country: Country) -> dict[str, Any]:
    return _base(country)


def city_to_wire(city: City) -> dict[str, Any]:
    return {**_base(city), "country": city.country_id}


def township_to_wire(township: Township) -> dict[str, Any]:
    """`township.city` is read (for its country): select it with the township."""
    return {**_base(township), "country": township.city.country_id, "city": township.city_id}


def district_to_wire(district: District) -> dict[str, Any]:
    """`district.city` is read (for its country): select it with the district."""
    return {
        **_base(district),
        "country": district.city.country_id,
        "city": district.city_id,
        "township": district.township_id,
    }
