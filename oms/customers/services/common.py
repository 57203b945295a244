"""Helpers the customer and address services share: the values a body sent, missing fields,
the body's channel against the URL's."""

from __future__ import annotations

from typing import Any

from oms.channels.models import Channel
from oms.core.errors import ErrorCode, Problem


def sent_values(data: Any, given: set[str], fields: tuple[str, ...]) -> dict[str, Any]:
    """The sent values of `fields`; null for a JSON object is {} and for a flag is "not sent"."""
    values = {}
    for name in fields:
        if name not in given:
            continue
        value = getattr(data, name)
        if name == "extra_field" and value is None:
            value = {}
        if value is None:
            continue
        values[name] = value
    return values


def required_problems(data: Any, names: tuple[str, ...]) -> list[Problem]:
    return [
        Problem(name, ErrorCode.REQUIRED, "This field is required.")
        for name in names
        if not getattr(data, name)
    ]


def channel_problems(sent: int | None, channel: Channel) -> list[Problem]:
    if sent is None or sent == channel.pk:
        return []
    return [
        Problem("channel", ErrorCode.MISMATCH, f"channel is {sent} but the URL's channel is {channel.pk}.")
    ]
