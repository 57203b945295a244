"""The wire shapes of the location tables (read-only over the API)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class LocationOut(BaseModel):
    pk: int
    id: int
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
    country: int

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"pk": 1, "id": 1, "name": "İstanbul", "code": "34", "is_active": True, "country": 1}
            ]
        }
    )


class TownshipOut(LocationOut):
    country: int
    city: int

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
    country: int
    city: int
    township: int | None

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
