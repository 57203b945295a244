"""Wire datetimes: in the TIME_ZONE setting, `Z` for UTC, as Django REST framework writes them."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from oms.core.render import dumps, wire_datetime, wire_datetime_sql

NOON_UTC = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [NOON_UTC, NOON_UTC.astimezone(ZoneInfo("UTC")), NOON_UTC.astimezone(timezone(timedelta(hours=3)))],
    ids=["datetime.UTC", "zoneinfo UTC", "+03:00"],
)
def test_an_instant_is_written_in_utc_with_z(settings, value):
    settings.TIME_ZONE = "UTC"
    assert wire_datetime(value) == "2025-01-01T12:00:00Z"


def test_an_instant_is_written_in_another_time_zone_setting_with_its_offset(settings):
    settings.TIME_ZONE = "Europe/Istanbul"
    assert wire_datetime(NOON_UTC) == "2025-01-01T15:00:00+03:00"


def test_answers_write_decimals_with_their_exact_digits():
    assert (
        dumps({"a": Decimal("100.00"), "b": [Decimal("0.10")], "c": "ü"})
        == '{"a":100.00,"b":[0.10],"c":"ü"}'.encode()
    )


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQL of PostgreSQL")
@pytest.mark.parametrize(
    "zone", ["UTC", "Europe/Istanbul", "America/New_York", "Asia/Kolkata", "Europe/London"]
)
def test_the_sql_text_of_a_datetime_is_wire_datetimes(settings, zone):
    # Given the zone setting and instants with and without microseconds, in summer and winter
    settings.TIME_ZONE = zone
    instants = [
        NOON_UTC,
        NOON_UTC.replace(microsecond=120),
        datetime(2026, 7, 1, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
    ]
    # When PostgreSQL writes each as the create statement's stock.changed does
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {wire_datetime_sql('t')} FROM unnest(%s::timestamptz[]) t", [instants])
        written = [text for (text,) in cursor.fetchall()]
    # Then it is what the API writes
    assert written == [wire_datetime(value) for value in instants]
