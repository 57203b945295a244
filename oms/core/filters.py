"""Query-string filters in django-filter's style (`number`, `pk__in`, `date_placed__gte`...).

Each list endpoint declares its filters once; `narrow` parses every parameter it knows and
reports all bad values at once (a 400 naming each parameter), so a malformed value never reaches
the database (where it could become a 500: an id past bigint, a NUL byte on PostgreSQL). As in
django-filter, parameters a list does not declare are ignored and an empty value means "no filter".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from oms.core.errors import ErrorCode, Problem
from oms.core.wire import MAX_ID, NotANumber, parse_integer

MAX_LIST = 500  # values in one `__in` filter


class BadValue(ValueError):
    """A parameter value that cannot be used; `code` becomes the problem's code."""

    def __init__(self, message: str, code: ErrorCode = ErrorCode.INVALID_FORMAT):
        super().__init__(message)
        self.code = code


Parse = Callable[[str], Any]


@dataclass(frozen=True, slots=True)
class Filter:
    """One query parameter: how its text is parsed and which ORM lookup receives the value.

    `many` filters take a comma-separated list and may be repeated (`status=a&status=b`, as
    `requests` encodes a list); their lookup must be an `__in`.
    """

    param: str
    lookup: str
    parse: Parse
    many: bool = False
    description: str = ""


def narrow(
    queryset: QuerySet, params: QueryDict, filters: Sequence[Filter]
) -> tuple[QuerySet, list[Problem]]:
    """`queryset` narrowed by every declared filter present in `params`, and the problems of the
    bad ones (answered with the pagination's, all at once: oms.core.pagination)."""
    problems: list[Problem] = []
    condition = Q()
    for spec in filters:
        raw = [value for value in params.getlist(spec.param) if value.strip()]
        if not raw:
            continue
        try:
            value = _parse_many(spec, raw) if spec.many else spec.parse(raw[-1].strip())
        except BadValue as error:
            problems.append(Problem(spec.param, error.code, str(error)))
            continue
        condition &= Q(**{spec.lookup: value})
    return (queryset.filter(condition) if condition else queryset), problems


def _parse_many(spec: Filter, raw: list[str]) -> list[Any]:
    parts = [part.strip() for value in raw for part in value.split(",") if part.strip()]
    if len(parts) > MAX_LIST:
        raise BadValue(f"At most {MAX_LIST} values.", ErrorCode.TOO_MANY)
    return list(dict.fromkeys(spec.parse(part) for part in parts))


def openapi_parameters(filters: Sequence[Filter]) -> list[dict[str, Any]]:
    """The filters as OpenAPI query parameters (they are read from the query string by hand)."""
    return [
        {
            "in": "query",
            "name": spec.param,
            "required": False,
            "schema": {"type": "string"},
            "description": spec.description + (" Comma-separated list." if spec.many else ""),
        }
        for spec in filters
    ]


# --- parsers ------------------------------------------------------------------------------------


def integer(value: str) -> int:
    """A positive id that fits a bigint column, read as every number is (`wire.parse_integer`)."""
    try:
        number = parse_integer(value)
    except NotANumber as error:
        raise BadValue(str(error), ErrorCode(error.code)) from None
    if len(value) > len(str(MAX_ID)):
        raise BadValue(f'"{_clip(value)}" is not a positive integer.', ErrorCode.INVALID_TYPE)
    if not 1 <= number <= MAX_ID:
        raise BadValue(f"{value} is out of range (1 to {MAX_ID}).", ErrorCode.OUT_OF_RANGE)
    return number


def text(value: str) -> str:
    if "\x00" in value:
        raise BadValue("The value contains a NUL character.")
    return value


# A `+` in an unencoded query string arrives as a space: "2025-01-01T10:00:00 03:00".
_SPACED_OFFSET = re.compile(r"^(.*\d)\s(\d{2}:?\d{2})$")


def moment(value: str) -> datetime:
    """An ISO 8601 datetime (a naive one is read in TIME_ZONE) or a date (its midnight)."""
    if not value.isascii():  # parse_datetime's \d would read other scripts' digits
        raise BadValue(f'"{_clip(value)}" is not an ISO 8601 datetime: write it in ASCII digits.')
    candidate = _SPACED_OFFSET.sub(r"\1+\2", value) if "T" in value or value.count(" ") > 1 else value
    try:
        parsed = parse_datetime(candidate)
        if parsed is None:
            day = parse_date(value)
            parsed = datetime.combine(day, time.min) if day is not None else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise BadValue(
            f'"{_clip(value)}" is not an ISO 8601 datetime (e.g. 2025-01-31T10:00:00Z) or date (2025-01-31).'
        )
    try:
        aware = timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed
        return aware.astimezone(UTC)  # fails here, not in the database, for year 1 or 9999 edges
    except (OverflowError, ValueError):
        raise BadValue(f'"{_clip(value)}" is out of the supported range.', ErrorCode.OUT_OF_RANGE) from None


def choice(mapping: Mapping[str, str], what: str) -> Parse:
    """A value looked up (case-insensitively) in `mapping` of accepted inputs to stored values."""

    def parse(value: str) -> str:
        stored = mapping.get(value.lower())
        if stored is None:
            accepted = ", ".join(dict.fromkeys(mapping))
            raise BadValue(
                f'"{_clip(value)}" is not a valid {what}; expected one of: {accepted}.',
                ErrorCode.INVALID_CHOICE,
            )
        return stored

    return parse


def boolean(value: str) -> bool:
    lowered = value.lower()
    if lowered in {"true", "1", "yes"}:
        return True
    if lowered in {"false", "0", "no"}:
        return False
    raise BadValue(f'"{_clip(value)}" is not a boolean (true or false).', ErrorCode.INVALID_TYPE)


def _clip(value: str, length: int = 64) -> str:
    return value if len(value) <= length else value[:length] + "…"


# --- families of filters --------------------------------------------------------------------------


def id_filters(param: str, lookup: str | None = None, what: str = "id") -> list[Filter]:
    """`param` and `param__in` on an id column."""
    lookup = lookup or param
    return [
        Filter(param, lookup, integer, description=f"Exact {what}."),
        Filter(f"{param}__in", f"{lookup}__in", integer, many=True, description=f"Any of these {what}s."),
    ]


def datetime_filters(field: str, operators: Sequence[str] = ("gt", "gte", "lt", "lte")) -> list[Filter]:
    """`field__gt`, `field__gte`... on a datetime column."""
    return [
        Filter(
            f"{field}__{op}",
            f"{field}__{op}",
            moment,
            description=f"{field} {_OPERATORS[op]} this ISO 8601 datetime or date.",
        )
        for op in operators
    ]


_OPERATORS = {"gt": "after", "gte": "at or after", "lt": "before", "lte": "at or before"}
