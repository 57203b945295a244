"""Wire types shared by every schema: how ids, money, rates, datetimes, URLs, IPs and free-form
JSON objects are read from requests, and how Pydantic's errors become `Problem`s."""

from __future__ import annotations

import ipaddress
import json
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from pydantic import AfterValidator, BeforeValidator, Field, ValidationError, WithJsonSchema
from pydantic_core import PydanticCustomError

from oms.core.errors import ErrorCode, Problem


def _reject_bool(value: Any) -> Any:
    # Python's bool is an int; a JSON true is never a valid id, count or amount.
    if isinstance(value, bool):
        raise PydanticCustomError("invalid_type", "Expected a number, got a boolean.")
    return value


def _require_string(value: Any) -> Any:
    # Pydantic would read a bare number as a Unix timestamp; dates must be ISO 8601 strings.
    if not isinstance(value, str):
        raise PydanticCustomError("invalid_type", "Expected an ISO 8601 string.")
    return value


def _aware(value: datetime) -> datetime:
    # A datetime without an offset is read in the TIME_ZONE setting (UTC by default).
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _http_url(value: str) -> str:
    if value:
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise PydanticCustomError("invalid_format", "Expected an http or https URL.")
    return value


def _ip_address(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise PydanticCustomError("invalid_format", "Expected an IPv4 or IPv6 address.") from None


def _bounded_json(value: dict) -> dict:
    if _depth(value) > settings.OMS_MAX_JSON_DEPTH:
        raise PydanticCustomError(
            "too_large",
            "JSON object nested deeper than {limit} levels.",
            {"limit": settings.OMS_MAX_JSON_DEPTH},
        )
    if len(json.dumps(value, default=str)) > settings.OMS_MAX_JSON_BYTES:
        raise PydanticCustomError(
            "too_large", "JSON object larger than {limit} bytes.", {"limit": settings.OMS_MAX_JSON_BYTES}
        )
    return value


def _depth(value: Any, level: int = 1) -> int:
    if level > settings.OMS_MAX_JSON_DEPTH:
        return level  # deep enough to refuse; stop walking
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return max((_depth(child, level + 1) for child in children), default=level)


_NUMBER_SCHEMA = WithJsonSchema({"type": "number"})
_STRING_NUMBER_SCHEMA = WithJsonSchema(
    {"anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}]}
)

Id = Annotated[int, BeforeValidator(_reject_bool), Field(ge=1, le=2**63 - 1)]
Count = Annotated[int, BeforeValidator(_reject_bool), Field(ge=1, le=1_000_000)]
Money = Annotated[
    Decimal, Field(ge=0, max_digits=12, decimal_places=2, allow_inf_nan=False), _STRING_NUMBER_SCHEMA
]
Rate = Annotated[
    Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2, allow_inf_nan=False), _STRING_NUMBER_SCHEMA
]
WireDateTime = Annotated[
    datetime,
    BeforeValidator(_require_string),
    AfterValidator(_aware),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
HttpUrlStr = Annotated[str, Field(max_length=1024), AfterValidator(_http_url)]
IpAddressStr = Annotated[str, Field(max_length=45), AfterValidator(_ip_address)]
JsonObject = Annotated[dict[str, Any], AfterValidator(_bounded_json)]


def text(max_length: int) -> Any:
    return Annotated[str, Field(max_length=max_length)]


# Pydantic error types -> our codes. Custom errors raised above already use our codes as types.
_CODES: dict[str, ErrorCode] = {
    "missing": ErrorCode.REQUIRED,
    "string_too_long": ErrorCode.TOO_LONG,
    "string_too_short": ErrorCode.TOO_SHORT,
    "too_long": ErrorCode.TOO_MANY,
    "too_short": ErrorCode.TOO_SHORT,
    "greater_than": ErrorCode.OUT_OF_RANGE,
    "greater_than_equal": ErrorCode.OUT_OF_RANGE,
    "less_than": ErrorCode.OUT_OF_RANGE,
    "less_than_equal": ErrorCode.OUT_OF_RANGE,
    "decimal_max_digits": ErrorCode.OUT_OF_RANGE,
    "decimal_max_places": ErrorCode.OUT_OF_RANGE,
    "decimal_whole_digits": ErrorCode.OUT_OF_RANGE,
    "finite_number": ErrorCode.OUT_OF_RANGE,
    "int_from_float": ErrorCode.INVALID_TYPE,
    "enum": ErrorCode.INVALID_CHOICE,
    "literal_error": ErrorCode.INVALID_CHOICE,
    "extra_forbidden": ErrorCode.UNKNOWN_FIELD,
    "string_pattern_mismatch": ErrorCode.INVALID_FORMAT,
    "datetime_parsing": ErrorCode.INVALID_FORMAT,
    "datetime_from_date_parsing": ErrorCode.INVALID_FORMAT,
    "date_parsing": ErrorCode.INVALID_FORMAT,
    "date_from_datetime_parsing": ErrorCode.INVALID_FORMAT,
    "date_from_datetime_inexact": ErrorCode.INVALID_FORMAT,
    "datetime_object_invalid": ErrorCode.INVALID_FORMAT,
    "value_error": ErrorCode.INVALID,
}


def problems_from(error: ValidationError, prefix: str = "") -> list[Problem]:
    """Every error of a Pydantic validation, as Problems with wire paths (`order_item.2.price`)."""
    problems = []
    for item in error.errors(include_url=False):
        path = ".".join(str(part) for part in item["loc"] if not _is_union_tag(part))
        problems.append(Problem(f"{prefix}{path}", code_for(item["type"]), item["msg"]))
    return problems


def _is_union_tag(part: Any) -> bool:
    # Pydantic adds the branch name (e.g. "function-after[...]" or "int") to locs of union members.
    return isinstance(part, str) and ("[" in part or part in {"int", "str", "decimal", "none"})


def code_for(error_type: str) -> ErrorCode:
    """Our code for a Pydantic error type."""
    if error_type in ErrorCode._value2member_map_:
        return ErrorCode(error_type)
    if error_type in _CODES:
        return _CODES[error_type]
    return ErrorCode.INVALID_TYPE
