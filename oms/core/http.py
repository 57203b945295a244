"""HTTP helpers for the API layer: reading JSON bodies and writing JSON answers and error bodies."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse

from oms.core.errors import DomainError, ErrorCode, Problem, ValidationFailed, summarise
from oms.core.render import dumps
from oms.core.wire import json_float
from oms.observe.context import note_codes

JSON = "application/json"
API_PREFIX = "/api/"
# The challenge every 401 carries (RFC 9110 11.6.1), as Django REST framework's token
# authentication sends it.
AUTH_CHALLENGE = "Token"
# Bodies orjson would read differently from what they say go to the json module: integers past 64
# bits (orjson makes them floats), and numbers with an exponent or 16+ digits, which a float may
# not hold exactly (read with `json_float`). Strings that look so only cost the slower parser.
# One leading class, not an alternation: the engine skips to digits, 3 times faster on a 62 MB body.
_SLOW_NUMBERS = re.compile(rb"[0-9](?:[eE]|[0-9.]{16})")


class UnsupportedMediaType(DomainError):
    """The body is not sent as JSON (415)."""


def read_json(request: HttpRequest, *, max_bytes: int | None = None) -> Any:
    """The request body as JSON; 415 for another content type, 400 for malformed JSON, 413 past
    DATA_UPLOAD_MAX_MEMORY_SIZE or, for endpoints that take more (bulk), past `max_bytes`."""
    content_type = request.content_type or ""
    if content_type != JSON and not content_type.endswith("+json"):
        raise UnsupportedMediaType(
            Problem(
                "",
                ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                f'Send the body as application/json, not "{content_type or "nothing"}".',
            )
        )
    return parse_json(read_body(request, max_bytes=max_bytes))


def parse_json(body: bytes) -> Any:
    """A request body as JSON; 400 for malformed JSON (NaN and Infinity included)."""
    # orjson reads UTF-8 JSON as the json module does, in a third of the time, except numbers
    # (_SLOW_NUMBERS). Whatever orjson refuses (lone surrogates, a BOM, other encodings, NaN) goes
    # to json too, for it to accept it or to refuse it with the message clients have always had.
    if _SLOW_NUMBERS.search(body) is None:
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
    try:
        return json.loads(body or b"", parse_constant=_reject_constant, parse_float=json_float)
    except (ValueError, RecursionError) as error:
        raise ValidationFailed(
            Problem("", ErrorCode.INVALID_JSON, f"The body is not valid JSON: {error}")
        ) from None


def read_body(request: HttpRequest, *, max_bytes: int | None = None) -> bytes:
    """The raw body, capped by DATA_UPLOAD_MAX_MEMORY_SIZE or by the endpoint's own `max_bytes`
    (413 past it). Kept on the request as `request.body` is, so later readers get the same bytes."""
    if max_bytes is None or hasattr(request, "_body"):
        return request.body
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    body = request.read(max_bytes + 1) if declared <= max_bytes else b""
    if declared > max_bytes or len(body) > max_bytes:
        raise RequestDataTooBig(f"The request body is larger than {max_bytes} bytes.")
    request._body = body
    return body


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def json_response(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    return HttpResponse(dumps(data), status=status, content_type=JSON, headers=headers)


# Keep the Warning header well below the header size limits of proxies and HTTP clients (8 KiB).
WARNING_HEADER_MAX_CHARS = 2000


def warning_header(texts: list[str]) -> str:
    """A `Warning` header value (RFC 9111 code 299) naming each text, ASCII-only and bounded:
    texts quote client-sent keys, which may hold quotes, newlines or any Unicode character."""
    values: list[str] = []
    length = 0
    for index, text in enumerate(texts):
        value = f'299 oms "{_quoted(text[:300])}"'
        if length + len(value) > WARNING_HEADER_MAX_CHARS and values:
            values.append(f'299 oms "{len(texts) - index} more warnings; see the log"')
            break
        values.append(value)
        length += len(value) + 2
    return ", ".join(values)


def _quoted(text: str) -> str:
    # JSON's string escapes are ASCII and valid inside an HTTP quoted-string.
    return json.dumps(text)[1:-1].replace("\x7f", "\\u007f")


INTERNAL_ERROR_MESSAGE = "Internal server error; nothing was written."


def internal_error_response() -> HttpResponse:
    """The 500 answer of an unexpected failure (the failure is logged where it is caught)."""
    return error_response(500, [Problem("", ErrorCode.INTERNAL_ERROR, INTERNAL_ERROR_MESSAGE)])


UNAVAILABLE_MESSAGE = (
    "The database could not be reached; retry in a moment (a retried create answers the order "
    "if it was made)."
)


def database_unavailable(error: BaseException) -> bool:
    """A failure of the database connection (a restart, a failover, a pooler that dropped it),
    not of the request: the client's to retry, so 503, not 500."""
    return isinstance(error, OperationalError | InterfaceError)


def unavailable_response() -> HttpResponse:
    """The 503 answer while the database cannot be reached (the failure is logged where caught)."""
    response = error_response(503, [Problem("", ErrorCode.UNAVAILABLE, UNAVAILABLE_MESSAGE)])
    response["Retry-After"] = "1"
    return response


def failure_response(error: BaseException) -> HttpResponse:
    """The answer to an unexpected exception: 503 when the database is unreachable, else 500."""
    return unavailable_response() if database_unavailable(error) else internal_error_response()


def error_response(
    status: int, problems: list[Problem], detail: str | None = None, **extra: Any
) -> HttpResponse:
    """The one error body of the API: {"detail", "errors": [{"path", "code", "message"}]}."""
    note_codes(tuple(str(p.code) for p in problems))  # for the request's log line and metrics
    return json_response(
        {
            "detail": detail if detail is not None else summarise(problems),
            "errors": [p.as_dict() for p in problems],
            **extra,
        },
        status=status,
    )
