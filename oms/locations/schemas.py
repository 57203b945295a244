"""The wire shapes of the location tables (read-only over the API)."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict

from oms.core.answers import PK, Answer, From


class LocationOut(Answer):
    pk: int
    id: Annotated[int, PK]
    name: str
    code: str
    is_active: bool


class CountryOut(LocationOut):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"pk": 1, "id": 1, "name": "Türkiye", "code": "tr", "is_active": True}]
        }
    )


class CityOut(LocationOut):
    country: Annotated[int, From("country_id")]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"pk": 1, "id": 1, "name": "İstanbul", "code": "34", "is_active": True, "country": 1}
            ]
        }
    )


class TownshipOut(LocationOut):
    """`township.city` is read (for its country): select it with the township."""

    country: Annotated[int, From("city.country_id")]
    city: Annotated[int, From("city_id")]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "pk": 1,
                    "id": 1,
                    "name": "Kadıköy",
                    "code": "kadikoy",
                    "is_active": True,
                    "country": 1,
                    "city": 1,
                }
            ]
        }
    )


class DistrictOut(LocationOut):
    """`district.city` is read (for its country): select it with the district."""

    country: Annotated[int, From("city.country_id")]
    city: Annotated[int, From("city_id")]
    township: Annotated[int | None, From("township_id")]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "pk": 1,
                    "id": 1,
                    "name": "Caferağa",
                    "code": "caferaga",
                    "is_active": True,
                    "country": 1,
                    "city": 1,
                    "township": 1,
                }
            ]
        }
    )
