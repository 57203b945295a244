"""Helpers every integration service shares: parsing a body, the URL's channel winning over the
body's, and content type references resolved to kinds."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import BaseModel

from oms.channels.models import Channel
from oms.core.errors import ErrorCode, Problem, ValidationFailed
from oms.core.payload import parse_payload
from oms.integrations.kinds import content_types, kind_by_content_type_id

T = TypeVar("T", bound=BaseModel)


def parse(
    schema: type[T], payload: Any, *, channel: Channel, read_only: Iterable[str] = ()
) -> tuple[T, set[str]]:
    """The valid body and the fields sent; ValidationFailed (400) with every schema problem, and a
    body `channel` (or `channel_id`) other than the URL's."""
    parsed = parse_payload(schema, payload, strict_fields=channel.strict_fields, read_only=read_only)
    readable = parsed.readable
    if readable is not None:
        parsed.add(channel_problems(readable, channel))
    if parsed.problems:
        raise ValidationFailed(parsed.problems)
    return parsed.data, parsed.given


def channel_problems(data: BaseModel, channel: Channel) -> list[Problem]:
    problems = []
    for name in ("channel", "channel_id"):
        sent = getattr(data, name, None)
        if sent is not None and sent != channel.pk:
            problems.append(
                Problem(name, ErrorCode.MISMATCH, f"{name} is {sent} but the URL's channel is {channel.pk}.")
            )
    return problems


def resolve_kind(ref: int | str, *, path: str, problems: list[Problem]) -> str | None:
    """The kind named by a content type id or name; a problem at `path` when there is none."""
    if isinstance(ref, str):
        return ref
    kind = kind_by_content_type_id().get(ref)
    if kind is None:
        problems.append(
            Problem(
                path,
                ErrorCode.NOT_FOUND,
                f"Content type {ref} is not one integrations use (see content_types/).",
            )
        )
    return kind


def content_type_id(kind: str) -> int:
    return content_types()[kind].pk
