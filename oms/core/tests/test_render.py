"""Wire datetimes: in the TIME_ZONE setting, `Z` for UTC, as Django REST framework writes them."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from oms.core.render import dumps, wire_datetime

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
