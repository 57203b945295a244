"""HTTP helpers for the API layer: reading JSON bodies and writing JSON answers and error bodies."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse

from oms.core.errors import DomainError, ErrorCode, Problem, ValidationFailed
from oms.core.render import dumps

JSON = "application/json"


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
    body = request.body if max_bytes is None else _read_at_most(request, max_bytes)
    try:
        return json.loads(body or b"", parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:
        raise ValidationFailed(
            Problem("", ErrorCode.INVALID_JSON, f"The body is not valid JSON: {error}")
        ) from None


def _read_at_most(request: HttpRequest, max_bytes: int) -> bytes:
    # Bypasses request.body (capped by DATA_UPLOAD_MAX_MEMORY_SIZE) with a cap of the endpoint's own.
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    body = request.read(max_bytes + 1) if declared <= max_bytes else b""
    if declared > max_bytes or len(body) > max_bytes:
        raise RequestDataTooBig(f"The request body is larger than {max_bytes} bytes.")
    return body


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def json_response(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    return HttpResponse(dumps(data), status=status, content_type=JSON, headers=headers)


def error_response(
    status: int, problems: list[Problem], detail: str | None = None, **extra: Any
) -> HttpResponse:
    """The one error body of the API: {"detail", "errors": [{"path", "code", "message"}]}."""
    if detail is None:
        detail = problems[0].message if len(problems) == 1 else f"{len(problems)} problems in the request."
    return json_response(
        {"detail": detail, "errors": [p.as_dict() for p in problems], **extra}, status=status
    )
