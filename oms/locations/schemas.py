"""The wire shapes of the location tables (read-only over the API)."""

from __future__ import annotations

from typing import Annotated

from oms.core.answers import From, RowOut, example


class LocationOut(RowOut):
    name: str
    code: str
    is_active: bool


class CountryOut(LocationOut):
    model_config = example(1, name="Türkiye", code="tr", is_active=True, stamped=False)


class CityOut(LocationOut):
    country: Annotated[int, From("country_id")]

    model_config = example(1, name="İstanbul", code="34", is_active=True, country=1, stamped=False)


class TownshipOut(LocationOut):
    """`township.city` is read (for its country): select it with the township."""

    country: Annotated[int, From("city.country_id")]
    city: Annotated[int, From("city_id")]

    model_config = example(
        1, name="Kadıköy", code="kadikoy", is_active=True, country=1, city=1, stamped=False
    )


class DistrictOut(LocationOut):
    """`district.city` is read (for its country): select it with the district."""

    country: Annotated[int, From("city.country_id")]
    city: Annotated[int, From("city_id")]
    township: Annotated[int | None, From("township_id")]

    model_config = example(
        1, name="Caferağa", code="caferaga", is_active=True, country=1, city=1, township=1, stamped=False
    )
