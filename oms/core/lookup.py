"""Finding one row by a path id, the same way for every resource: a row outside the caller's
queryset (another channel's, another list's) is answered as if it did not exist."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet

from oms.core.errors import ErrorCode, NotFound, Problem
from oms.core.wire import MAX_ID


def bounded(pk: int) -> int:
    """A path id as a lookup value: one outside 1..bigint cannot exist, so it is looked up as 0.
    Django 5.2 already answers such lookups as a miss on both databases (`test_lookup.py` checks
    the 404); this keeps a row lookup from depending on it."""
    return pk if 1 <= pk <= MAX_ID else 0


def get_row(queryset: QuerySet, pk: int, *, label: str, where: str = "") -> Any:
    """Row `pk` of `queryset`; NotFound (404, at `pk`) "<label> <pk> does not exist<where>." otherwise."""
    row = queryset.filter(pk=bounded(pk)).first()
    if row is None:
        raise NotFound(Problem("pk", ErrorCode.NOT_FOUND, f"{label} {pk} does not exist{where}."))
    return row


def channel_row_getter(rows: Callable[..., QuerySet], label: str) -> Callable[..., Any]:
    """The `get_<noun>(*, channel, pk)` service of a channel's rows as `rows(channel=)` lists
    them: row `pk`, NotFound "<label> <pk> does not exist in channel <id>." for another channel's."""

    def get(*, channel: Any, pk: int) -> Any:
        return get_row(rows(channel=channel), pk, label=label, where=f" in channel {channel.pk}")

    return get
