"""Wire types shared by every schema: how ids, money, rates, datetimes, URLs, IPs, text and
free-form JSON objects are read from requests, and how Pydantic's errors become `Problem`s.

Every type refuses what the databases cannot store (a NUL character, a datetime past the end of
the calendar once converted to UTC, a non-finite number in a JSON object), so that bad input is a
400 naming the field, never a 500 from the database.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, ValidationError, WithJsonSchema
from pydantic_core import PydanticCustomError

from oms.core.errors import ErrorCode, Problem, printable

MAX_MONEY = Decimal("9999999999.99")  # 12 digits, 2 of them decimals: the money columns' precision
MAX_ID = 2**63 - 1
# Datetimes outside this window are refused: nobody places an order in 1850, and the ends of the
# calendar overflow when converted to UTC.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)


def shown(value: Any, limit: int = 60) -> str:
    """A client's value quoted in a message: shortened, and safe to write as UTF-8."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return printable(text if len(text) <= limit else text[:limit] + "…")


def refusal(code: str, template: str, **context: Any) -> PydanticCustomError:
    """A schema error whose message quotes `context` (often the client's values, which callers
    shorten with `shown`): text is made printable, anything else written as JSON.

    Every schema error with a context is built here: Pydantic fails building the message of one
    whose context holds a lone surrogate, which turned a refused value into a 500."""
    return PydanticCustomError(
        code,
        template,
        {
            name: printable(value) if isinstance(value, str) else shown(value, limit=200)
            for name, value in context.items()
        },
    )


def not_a_choice(value: Any, what: str, choices: Iterable[str]) -> PydanticCustomError:
    """The invalid_choice refusal: `"<value>" is not <what>; expected one of: <choices>.`"""
    return refusal(
        "invalid_choice",
        '"{value}" is not {what}; expected one of: {choices}.',
        value=shown(value),
        what=what,
        choices=", ".join(choices),
    )


def choice(values: Iterable[str], what: str = "choice", *, blank_is_none: bool = False) -> Any:
    """A string among `values`, or null; `blank_is_none` reads "" as null."""
    accepted = list(values)

    def check(value: Any) -> Any:
        if blank_is_none and value == "":
            return None
        if value is None or (isinstance(value, str) and value in accepted):
            return value
        if not isinstance(value, str):
            raise PydanticCustomError("invalid_type", "Expected a string.")
        raise not_a_choice(value, f"a valid {what}", accepted)

    return Annotated[
        str | None,
        BeforeValidator(check),
        WithJsonSchema({"anyOf": [{"type": "string", "enum": accepted}, {"type": "null"}]}),
    ]


# --- numbers ----------------------------------------------------------------------------------
# One reading of numbers for every field, query parameter and key that holds one. Python and
# Pydantic read more than a client means ("1_000", Arabic-Indic digits, " 12 ", "1e3"); here a
# number is written plainly or it is refused, never read as something else.

_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")
_DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_LONGEST_INTEGER = 40  # digits; more is out of every range (and past int()'s own limit)


class InexactNumber(float):
    """A JSON number no float holds exactly (1e-400 reads as 0.0, 0.10000000000000000001 as
    0.1), from `parse_json`: kept with its text so a field refuses it rather than store it changed."""

    text: str

    def __new__(cls, text: str) -> InexactNumber:
        number = super().__new__(cls, text)
        number.text = text
        return number


class NotANumber(ValueError):
    """A value a number field cannot read; `code` is an ErrorCode value."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def json_float(text: str) -> float:
    """A JSON number with a fraction or an exponent, as `json.loads(parse_float=...)` calls it."""
    number = float(text)
    # Past the float range it is infinite, refused as out of range wherever it lands.
    exact = not math.isfinite(number) or Decimal(repr(number)) == Decimal(text)
    return number if exact else InexactNumber(text)


def _numeric_looking(text: str) -> bool:
    # "1e3", "+", " 7 ", Arabic-Indic "100": meant as an integer but not written as one
    # (invalid_format), unlike "abc", which is not a number at all (invalid_type, as ever).
    return any(char.isnumeric() for char in text) or (
        text != "" and all(char in "+-.,_eE" or char.isspace() for char in text)
    )


def _not_plain(value: str, expected: str, rule: str) -> NotANumber:
    return NotANumber("invalid_format", f'"{shown(value)}" is not {expected} written plainly: {rule}.')


def _refuse_inexact(value: Any) -> None:
    if isinstance(value, InexactNumber):
        raise NotANumber(
            "invalid_format",
            f"{shown(value.text)} cannot be read exactly; send a plain decimal, e.g. as a string.",
        )


def parse_integer(value: Any) -> int:
    """A JSON integer, or a string of ASCII digits with an optional sign; NotANumber otherwise."""
    if type(value) is int:  # the create path reads a dozen ids per order: the usual form first
        return value
    if isinstance(value, str):
        if not _INTEGER_TEXT.fullmatch(value):
            if not _numeric_looking(value):
                raise NotANumber("invalid_type", "Expected an integer.")
            raise _not_plain(value, "an integer", "ASCII digits and an optional sign")
        if len(value.lstrip("+-")) > _LONGEST_INTEGER:
            raise NotANumber("out_of_range", "The number has too many digits.")
        return int(value)
    _refuse_inexact(value)
    if isinstance(value, bool):
        raise NotANumber("invalid_type", "Expected an integer, got a boolean.")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        raise NotANumber("invalid_type", "Expected an integer, got a number with a fraction or an exponent.")
    raise NotANumber("invalid_type", "Expected an integer.")


def parse_decimal(value: Any) -> Decimal:
    """A JSON number (read exactly as written), or a string of ASCII digits with an optional sign
    and at most one decimal point; NotANumber otherwise."""
    if isinstance(value, str):  # money as clients send it, first
        if not _DECIMAL_TEXT.fullmatch(value):
            raise _not_plain(value, "a number", "ASCII digits, an optional sign, at most one decimal point")
        number = Decimal(value)
    else:
        number = _json_decimal(value)
    return abs(number) if number.is_zero() else number  # "-0" is 0


def _json_decimal(value: Any) -> Decimal:
    _refuse_inexact(value)
    if isinstance(value, bool):
        raise NotANumber("invalid_type", "Expected a number, got a boolean.")
    if isinstance(value, Decimal | int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NotANumber("out_of_range", "Expected a finite number.")
        return Decimal(repr(value))
    raise NotANumber("invalid_type", "Expected a number or a numeric string.")


def _as_schema_error(parse: Any) -> Any:
    def validate(value: Any) -> Any:
        try:
            return parse(value)
        except NotANumber as error:
            raise PydanticCustomError(error.code, printable(str(error))) from None

    return BeforeValidator(validate)


def _require_string(value: Any) -> Any:
    # Pydantic would read a bare number as a Unix timestamp; dates must be ISO 8601 strings.
    if not isinstance(value, str):
        raise PydanticCustomError("invalid_type", "Expected an ISO 8601 datetime string.")
    return value


def _storable(value: str) -> str:
    # PostgreSQL text and jsonb refuse NUL; a lone surrogate (JSON "\\ud800") cannot be encoded.
    if "\x00" in value:
        raise PydanticCustomError("invalid_format", "Text may not contain the NUL character (\\u0000).")
    if printable(value) is not value:
        raise PydanticCustomError("invalid_format", "Text must be valid Unicode (a lone surrogate was sent).")
    return value


def _aware_in_range(value: datetime) -> datetime:
    # A datetime without an offset is read in the TIME_ZONE setting (UTC by default).
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    try:
        in_range = EARLIEST <= value.astimezone(UTC) < LATEST
    except OverflowError:
        in_range = False
    if not in_range:
        raise PydanticCustomError("out_of_range", "Expected a datetime from 1900-01-01 to 9998-12-31 (UTC).")
    return value


def checked_by(validate: Callable[[str], None], message: str) -> Callable[[str], str]:
    """An after-validator running one of Django's validators on a non-empty string; a value it
    refuses is invalid_format with `message`."""

    def check(value: str) -> str:
        if value:
            try:
                validate(value)
            except DjangoValidationError:
                raise PydanticCustomError("invalid_format", message) from None
        return value

    return check


_http_url = checked_by(URLValidator(schemes=["http", "https"]), "Expected an http or https URL.")


def _ip_address(value: str) -> str:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        address = None
    # A zone (fe80::1%eth0) means nothing outside the client's host, and no inet column takes it.
    if address is None or getattr(address, "scope_id", None):
        raise PydanticCustomError("invalid_format", "Expected an IPv4 or IPv6 address.")
    return str(address)


def _bin_number(value: str) -> str:
    if value and not (value.isascii() and value.isdigit() and 6 <= len(value) <= 8):
        raise PydanticCustomError("invalid_format", "Expected the card's first 6 to 8 digits.")
    return value


def _bounded_json(value: dict) -> dict:
    _check_json(value, level=1)
    # Checked after _check_json: the text is now known to encode.
    if len(json.dumps(value, ensure_ascii=False).encode()) > settings.OMS_MAX_JSON_BYTES:
        raise refusal(
            "too_large", "JSON object larger than {limit} bytes.", limit=settings.OMS_MAX_JSON_BYTES
        )
    return value


def _check_json(value: Any, level: int) -> None:
    """Refuse what PostgreSQL's jsonb (and SQLite's JSON1) cannot hold, and nesting past the limit."""
    if isinstance(value, dict | list):
        if level > settings.OMS_MAX_JSON_DEPTH:
            raise refusal(
                "too_large",
                "JSON object nested deeper than {limit} levels.",
                limit=settings.OMS_MAX_JSON_DEPTH,
            )
        for key, child in value.items() if isinstance(value, dict) else enumerate(value):
            if isinstance(key, str):
                _storable(key)
            _check_json(child, level + 1)
    elif isinstance(value, str):
        _storable(value)
    elif isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("out_of_range", "Numbers in a JSON object must be finite.")
    elif isinstance(value, InexactNumber):
        raise refusal(
            "invalid_format", "{number} cannot be stored exactly; send it as a string.", number=value.text
        )


_MONEY_SCHEMA = WithJsonSchema(
    {
        "anyOf": [
            {"type": "number", "minimum": 0, "maximum": float(MAX_MONEY)},
            {"type": "string", "pattern": r"^\d{1,10}(\.\d{1,2})?$"},
        ],
        "description": "Money: at least 0, at most 9999999999.99, at most 2 decimal places; "
        "a JSON number or a numeric string.",
    }
)
_RATE_SCHEMA = WithJsonSchema(
    {
        "anyOf": [
            {"type": "number", "minimum": 0, "maximum": 100},
            {"type": "string", "pattern": r"^\d{1,3}(\.\d{1,2})?$"},
        ],
        "description": "A percentage from 0 to 100, at most 2 decimal places.",
    }
)


def integer(minimum: int, maximum: int) -> Any:
    """An integer from `minimum` to `maximum`, read by `parse_integer`."""
    return Annotated[int, Field(ge=minimum, le=maximum), _as_schema_error(parse_integer)]


Id = integer(1, MAX_ID)
Count = integer(1, 1_000_000)
Money = Annotated[
    Decimal,
    Field(ge=0, max_digits=12, decimal_places=2, allow_inf_nan=False),
    _as_schema_error(parse_decimal),
    _MONEY_SCHEMA,
]
Rate = Annotated[
    Decimal,
    Field(ge=0, le=100, max_digits=5, decimal_places=2, allow_inf_nan=False),
    _as_schema_error(parse_decimal),
    _RATE_SCHEMA,
]
WireDateTime = Annotated[
    datetime,
    BeforeValidator(_require_string),
    AfterValidator(_aware_in_range),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": "ISO 8601; without an offset it is read as UTC.",
        }
    ),
]
HttpUrlStr = Annotated[
    str,
    Field(max_length=1024),
    AfterValidator(_storable),
    AfterValidator(_http_url),
    WithJsonSchema({"type": "string", "maxLength": 1024, "description": "An http or https URL (or empty)."}),
]
IpAddressStr = Annotated[
    str,
    Field(max_length=45),
    AfterValidator(_ip_address),
    WithJsonSchema({"type": "string", "maxLength": 45, "description": "An IPv4 or IPv6 address."}),
]
BinNumber = Annotated[
    str,
    Field(max_length=8),
    AfterValidator(_bin_number),
    WithJsonSchema({"type": "string", "pattern": r"^(\d{6,8})?$", "description": "6 to 8 digits."}),
]
JsonObject = Annotated[dict[str, Any], AfterValidator(_bounded_json)]


def text(max_length: int, min_length: int = 0, *, key: bool = False) -> Any:
    """A stored string of at most `max_length` characters, never holding NUL or a lone surrogate.
    A `key` (an order number, a sku, an email, a remote id: what rows are looked up by) also
    holds no invisible character, so two keys that look alike are never two rows.

    Every string an input schema reads is one of these (a choice's values are fixed, free-form
    objects are checked by `JsonObject`): `core/tests/test_input_schemas.py` walks every input
    schema's fields and fails on one that lets such a string through."""
    checks = [AfterValidator(_storable), *([AfterValidator(_visible)] if key else [])]
    return Annotated[
        str, Field(min_length=min_length, max_length=max_length), _as_schema_error(_exact), *checks
    ]


# Controls, format characters (direction overrides and isolates, zero-width characters, the BOM),
# line and paragraph separators, and spaces other than U+0020 (a no-break space looks like one).
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp", "Zs"})


def _visible(value: str) -> str:
    if value.isascii() and value.isprintable():
        return value
    for char in value:
        if char != " " and unicodedata.category(char) in _INVISIBLE:
            raise refusal(
                "invalid_format",
                "A key may not hold invisible or direction-changing characters; found U+{char}.",
                char=f"{ord(char):04X}",
            )
    return value


def _exact(value: Any) -> Any:
    # A number sent for text is kept as text (coerce_numbers_to_str), but only one read exactly.
    _refuse_inexact(value)
    return value


def nullable_text(max_length: int, *, key: bool = False) -> Any:
    """`text` that also accepts null, stored as an empty string (Omnitron's clients send
    `"phone_number": null` for "none")."""
    return Annotated[text(max_length, key=key) | None, AfterValidator(_blank_for_null)]


def _blank_for_null(value: str | None) -> str:
    return "" if value is None else value


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
    "int_parsing_size": ErrorCode.OUT_OF_RANGE,
    "decimal_parsing": ErrorCode.INVALID_FORMAT,
    "string_unicode": ErrorCode.INVALID_FORMAT,
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

# Pydantic messages that name Python types are replaced by ones a JSON client understands.
_MESSAGES: dict[str, str] = {
    "missing": "This field is required.",
    "model_type": "Expected a JSON object.",
    "model_attributes_type": "Expected a JSON object.",
    "dict_type": "Expected a JSON object.",
    "list_type": "Expected a JSON array.",
    "string_type": "Expected a string.",
    "int_type": "Expected an integer.",
    "int_parsing": "Expected an integer.",
    "int_from_float": "Expected an integer, got a number with a fraction.",
    "decimal_type": "Expected a number or a numeric string.",
    "decimal_parsing": "Expected a number or a numeric string.",
    "bool_type": "Expected true or false.",
    "bool_parsing": "Expected true or false.",
    "string_unicode": "Text must be valid Unicode (a lone surrogate was sent).",
    "date_type": "Expected an ISO 8601 date string (YYYY-MM-DD).",
    "too_short": "Expected at least {min_length} item(s).",
    "too_long": "Expected at most {max_length} items.",
    "string_too_short": "Expected at least {min_length} character(s).",
    "string_too_long": "Expected at most {max_length} characters.",
    "greater_than_equal": "Expected at least {ge}.",
    "less_than_equal": "Expected at most {le}.",
    "decimal_max_places": "Expected at most {decimal_places} decimal places.",
    "decimal_max_digits": "Expected at most {max_digits} digits in all.",
    "decimal_whole_digits": "Expected at most {whole_digits} digits before the decimal point.",
    "finite_number": "Expected a finite number.",
    "datetime_parsing": "Expected an ISO 8601 datetime: {error}.",
    "datetime_from_date_parsing": "Expected an ISO 8601 datetime: {error}.",
    "date_parsing": "Expected an ISO 8601 date (YYYY-MM-DD): {error}.",
    "date_from_datetime_parsing": "Expected an ISO 8601 date (YYYY-MM-DD): {error}.",
    "date_from_datetime_inexact": "Expected a date without a time (YYYY-MM-DD).",
}


def problems_from(error: ValidationError, prefix: str = "") -> list[Problem]:
    """Every error of a Pydantic validation, as Problems with wire paths (`order_item.2.price`)."""
    problems = []
    for item in error.errors(include_url=False, include_input=False):
        path = ".".join(str(part) for part in item["loc"] if not _is_union_tag(part))
        message = message_for(item)
        problems.append(Problem(f"{prefix}{path}", code_for(item["type"]), message))
    return problems


def message_for(item: Any) -> str:
    """A client-friendly message for one of Pydantic's error dicts."""
    template = _MESSAGES.get(item.get("type", ""))
    if template is None:
        return item.get("msg", "Invalid.")
    try:
        return template.format(**item.get("ctx", {}))
    except (KeyError, IndexError, ValueError):
        return item.get("msg", "Invalid.")


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


class ProblemOut(BaseModel):
    path: str = Field(
        description="Wire path of the field, zero-based item indexes; empty for the whole request."
    )
    code: ErrorCode
    message: str


class ErrorOut(BaseModel):
    """The one body of every 4xx answer (and of a 500)."""

    detail: str = Field(description="One line for people: the problem, or how many there are.")
    errors: list[ProblemOut]


class ConflictOut(ErrorOut):
    existing_id: int | None = Field(default=None, description="The stored order with the same number.")
