"""Reading one JSON object into a Pydantic schema, collecting problems instead of raising, so a
service can answer the schema's problems together with those it finds in the database."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from oms.core.errors import ErrorCode, Problem
from oms.core.wire import problems_from

T = TypeVar("T", bound=BaseModel)


@dataclass
class Parsed(Generic[T]):
    """`data` when the payload is valid. When it is not, `partial` holds the fields that are (for
    schemas whose fields are all optional), so a service can still check those in the database
    and answer every problem at once."""

    data: T | None
    problems: list[Problem] = field(default_factory=list)
    partial: T | None = None

    @property
    def readable(self) -> T | None:
        return self.data if self.data is not None else self.partial

    @property
    def given(self) -> set[str]:
        """The fields the client sent (a partial update changes only these)."""
        readable = self.readable
        return set(readable.model_fields_set) if readable is not None else set()

    def add(self, problems: list[Problem]) -> None:
        """Add problems found later, except on paths that already have one."""
        known = {problem.path for problem in self.problems}
        self.problems += [problem for problem in problems if problem.path not in known]


def parse_payload(
    schema: type[T],
    payload: Any,
    *,
    strict_fields: bool,
    read_only: Iterable[str] = (),
    prefix: str = "",
) -> Parsed[T]:
    """Validate `payload` against `schema`; never raises.

    `read_only` names fields a client may send back from an answer (pk, dates): they are dropped.
    Other unknown fields are problems when `strict_fields`, otherwise ignored.
    """
    if not isinstance(payload, Mapping):
        return Parsed(None, [Problem(prefix.rstrip("."), ErrorCode.INVALID_TYPE, "Expected a JSON object.")])
    ignored = set(read_only)
    body = {key: value for key, value in payload.items() if key not in ignored}
    problems = []
    if strict_fields:
        problems = [
            Problem(f"{prefix}{key}", ErrorCode.UNKNOWN_FIELD, "Unknown field.")
            for key in body
            if key not in schema.model_fields
        ]
    try:
        data = schema.model_validate(body)
    except ValidationError as error:
        return Parsed(None, problems_from(error, prefix) + problems, _valid_part(schema, body, error))
    return Parsed(None, problems, data) if problems else Parsed(data)


def _valid_part(schema: type[T], body: dict[str, Any], error: ValidationError) -> T | None:
    bad = {item["loc"][0] for item in error.errors() if item["loc"]}
    try:
        return schema.model_validate({key: value for key, value in body.items() if key not in bad})
    except ValidationError:
        return None
