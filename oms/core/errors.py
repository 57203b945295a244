"""The one error vocabulary of the service.

Domain code raises a `DomainError` subclass carrying `Problem`s; `oms.api` maps each class to
an HTTP status and renders the one error body `{"detail": ..., "errors": [{path, code, message}]}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    """Every `code` an error body can carry. Documented in the README; add here, never inline."""

    REQUIRED = "required"
    INVALID_TYPE = "invalid_type"
    INVALID_CHOICE = "invalid_choice"
    INVALID_FORMAT = "invalid_format"
    INVALID_JSON = "invalid_json"
    TOO_LONG = "too_long"
    TOO_SHORT = "too_short"
    TOO_MANY = "too_many"
    TOO_LARGE = "too_large"
    OUT_OF_RANGE = "out_of_range"
    NOT_FOUND = "not_found"
    MISMATCH = "mismatch"
    UNKNOWN_FIELD = "unknown_field"
    DUPLICATE = "duplicate"
    INVALID = "invalid"
    NOT_AUTHENTICATED = "not_authenticated"
    PERMISSION_DENIED = "permission_denied"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    INTERNAL_ERROR = "internal_error"
    TIMEOUT = "timeout"
    IN_USE = "in_use"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    IDEMPOTENCY_KEY_IN_USE = "idempotency_key_in_use"
    INVALID_TRANSITION = "invalid_transition"
    ALREADY_CANCELLED = "already_cancelled"
    CANCELLATION_PENDING = "cancellation_pending"
    RATE_LIMITED = "rate_limited"
    # 503, retry: the database or (from nginx, deploy/nginx/oms.conf) every replica could not be
    # reached, or too many bodies without a key are being read (oms/core/bodies.py).
    UNAVAILABLE = "unavailable"
    OUT_OF_STOCK = "out_of_stock"


def printable(text: str) -> str:
    """`text` itself when it can be written as UTF-8; otherwise its lone surrogates as `\\udxxx`
    escapes, so that a client's broken text quoted back in an answer cannot break the answer."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a request: where (wire path, zero-based indexes), what, and why."""

    path: str
    code: ErrorCode
    message: str

    def __post_init__(self) -> None:
        # Paths and messages may quote the client's own keys and values.
        object.__setattr__(self, "path", printable(self.path))
        object.__setattr__(self, "message", printable(self.message))

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "code": str(self.code), "message": self.message}


class DomainError(Exception):
    """Base of every error the domain raises; the API layer picks the status from the class."""

    def __init__(self, problems: list[Problem] | Problem, detail: str | None = None, **extra):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        self.detail = detail or summarise(self.problems)
        self.extra = extra
        super().__init__(self.detail)

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers the answer carries besides the error body."""
        return {}


class ValidationFailed(DomainError):
    """The request is wrong; nothing was written (400)."""


class NotFound(DomainError):
    """The addressed object does not exist for this caller (404)."""


class PermissionDenied(DomainError):
    """The caller is known but may not do this (403)."""


class NotAuthenticated(DomainError):
    """No or an unknown credential (401)."""


class Conflict(DomainError):
    """The request collides with stored state, e.g. a different order under the same number (409)."""


class RateLimited(DomainError):
    """Too many attempts; one is let through again after `retry_after` seconds (429)."""

    def __init__(self, problems: list[Problem] | Problem, *, retry_after: int):
        super().__init__(problems)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


def summarise(problems: list[Problem]) -> str:
    """The one-line `detail` of an error body."""
    if len(problems) == 1:
        return problems[0].message
    return f"{len(problems)} problems in the request."
