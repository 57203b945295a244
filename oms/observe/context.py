"""What the request being answered has told about itself so far: its id, route, key, channel,
order number, error codes and query count. One `Record` per request, in a context variable, so
that the code which learns a fact (the channel lookup, the create answer, the error handler) notes
it without passing the request along, and the request layer (oms/observe/requests.py) reads it
once, when it logs and counts the answer."""

from __future__ import annotations

import contextvars
import os
import re
import time
from dataclasses import dataclass, field

# A client's X-Request-ID is kept when it is 1-128 of these characters (UUIDs, hex, most tracing
# ids); anything else is replaced by a generated id, so a client cannot put a newline, an escape
# sequence or a megabyte into our logs and headers.
# The environ key of oms/core/added_headers.py's probe: a fake request, not observed.
PROBE = "oms.probe"
_CLIENT_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")


@dataclass(slots=True)
class Record:
    request_id: str
    method: str
    started: float = field(default_factory=time.perf_counter)
    route: str | None = None
    key_id: int | None = None
    channel_id: int | None = None
    order_number: str | None = None
    # Order outcomes noted by the API layer: (outcome, codes) per order (bulk has many).
    orders: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    codes: tuple[str, ...] = ()
    queries: int = 0
    finished: bool = False


_current: contextvars.ContextVar[Record | None] = contextvars.ContextVar("oms_request", default=None)


def request_id_from(header: str | None) -> str:
    """The client's X-Request-ID when it is a safe token, else a new random one."""
    if header and _CLIENT_ID.fullmatch(header):
        return header
    return os.urandom(16).hex()


def begin(*, request_id: str, method: str) -> tuple[Record, contextvars.Token]:
    record = Record(request_id=request_id, method=method)
    return record, _current.set(record)


def end(token: contextvars.Token) -> None:
    _current.reset(token)


def current() -> Record | None:
    return _current.get()


def note_channel(channel_id: int) -> None:
    """The channel the request is scoped to (called once the channel is known to exist and be
    granted: a label for metrics, so never a client-chosen id)."""
    record = _current.get()
    if record is not None:
        record.channel_id = channel_id


def note_order(outcome: str, *, number: str | None = None, codes: tuple[str, ...] = ()) -> None:
    """One order's outcome: created, replayed, conflict or rejected (with its error codes)."""
    record = _current.get()
    if record is not None:
        record.orders.append((outcome, tuple(dict.fromkeys(codes))))
        if number is not None:
            record.order_number = number


def note_codes(codes: tuple[str, ...]) -> None:
    """The error codes of the request's refusal (each once)."""
    record = _current.get()
    if record is not None:
        record.codes = tuple(dict.fromkeys(codes))


def count_query() -> None:
    record = _current.get()
    if record is not None:
        record.queries += 1
