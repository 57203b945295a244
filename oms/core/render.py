"""Rendering wire values: money as exact JSON numbers, datetimes as ISO 8601 with their offset."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import orjson
import simplejson
from django.utils import timezone

CENT = Decimal("0.01")


def to_cents(value: Decimal) -> Decimal:
    """A client's amount as stored: rounded half-up to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money(value: Decimal | None) -> Decimal | None:
    # Quantized so 100 is written 100.00 in answers, exactly as stored.
    return None if value is None else value.quantize(CENT)


def wire_datetime(value: datetime | None) -> str | None:
    """As Django REST framework writes it: in the TIME_ZONE setting (the API never activates
    another zone), `Z` for UTC."""
    if value is None:
        return None
    zone = timezone.get_default_timezone()  # cached by Django
    if value.tzinfo is not UTC or zone.key != "UTC":  # UTC to UTC: skip the conversion
        value = value.astimezone(zone)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def wire_datetime_sql(expression: str) -> str:
    """PostgreSQL text of `wire_datetime` of a timestamptz `expression`, for answers built in SQL
    (the create statement's stock.changed events): the same zone, `Z` for a zero offset, the
    microseconds only when there are any (as `isoformat`). Offsets are written to the minute
    (none in use today has seconds)."""
    zone = timezone.get_default_timezone().key
    if not re.fullmatch(r"[A-Za-z0-9_+/-]+", zone):
        raise ValueError(f"TIME_ZONE {zone!r} cannot be written into SQL")
    local = f"({expression} AT TIME ZONE '{zone}')"
    text = (
        f"to_char({local}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN date_trunc('second', {expression}) = "
        f"{expression} THEN '' ELSE to_char({local}, '.US') END"
    )
    if zone == "UTC":
        return f"{text} || 'Z'"
    offset = f"({local} - ({expression} AT TIME ZONE 'UTC'))"
    return (
        f"{text} || CASE WHEN {offset} = interval '0' THEN 'Z' WHEN {offset} < interval '0' "
        f"THEN '-' || to_char(-{offset}, 'HH24:MI') ELSE '+' || to_char({offset}, 'HH24:MI') END"
    )


def wire_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def dumps(data: Any) -> bytes:
    """Compact UTF-8 JSON; a Decimal is written as a JSON number with its exact digits (100.00,
    never 99.9999). orjson is several times faster than the json modules on an order's answer."""
    try:
        return orjson.dumps(data, default=_exact_number, option=orjson.OPT_NON_STR_KEYS)
    except orjson.JSONEncodeError:
        # What orjson refuses (an integer past 64 bits, inside a client's JSON field) is still
        # valid JSON: simplejson writes it.
        return simplejson.dumps(data, use_decimal=True, ensure_ascii=False, separators=(",", ":")).encode()


def _exact_number(value: Any) -> orjson.Fragment:
    if isinstance(value, Decimal) and value.is_finite():
        return orjson.Fragment(str(value))
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
