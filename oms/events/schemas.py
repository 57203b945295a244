"""The wire shapes of webhook subscriptions and of the event feed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from oms.core.answers import Answer, ChannelRowOut, DateTimeOut, From
from oms.core.wire import WireDateTime, not_a_choice, text
from oms.events.models import EventType

# What a subscription may ask for: every type but ping, which is sent on request only.
SUBSCRIBABLE = [value for value in EventType.values if value != EventType.PING]


def _event_type(value: Any) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError("invalid_type", "Expected a string.")
    if value not in SUBSCRIBABLE:
        raise not_a_choice(value, "a subscribable event type", SUBSCRIBABLE)
    return value


EventTypeIn = Annotated[
    str, BeforeValidator(_event_type), WithJsonSchema({"type": "string", "enum": SUBSCRIBABLE})
]


class WebhookIn(BaseModel):
    """A subscription: where to POST, and which event types (all but ping when empty or left out)."""

    url: text(1024, 1) = Field(description="An https URL outside private networks.")
    events: list[EventTypeIn] | None = Field(None, max_length=len(SUBSCRIBABLE))
    is_active: bool | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"url": "https://erp.example.com/oms-hooks", "events": ["order.created"]}]
        }
    )


class WebhookUpdateIn(WebhookIn):
    url: text(1024, 1) | None = None


class RedeliverIn(BaseModel):
    """Deliver again the channel's events that occurred in [since, until) (until: now)."""

    since: WireDateTime
    until: WireDateTime | None = None


class WebhookOut(ChannelRowOut):
    url: str
    events: list[str]
    is_active: bool
    disabled_reason: Annotated[str | None, From(blank_as_null=True)]
    created_date: DateTimeOut
    modified_date: DateTimeOut


class WebhookSecretOut(WebhookOut):
    """A subscription with its signing secret: answered when it is created or rotated, never again."""

    secret: Annotated[str, From(resolve=lambda webhook, ctx: ctx["secret"])]


class QueuedOut(Answer):
    queued: Annotated[int, From(resolve=lambda obj, ctx: obj)]


class EventOut(Answer):
    """An event as webhooks carry it."""

    id: Annotated[str, From("wire_id")]
    type: str
    channel: Annotated[int, From("channel_id")]
    occurred_at: DateTimeOut
    data: Annotated[dict[str, Any], From("wire_data")]


class EventPageOut(Answer):
    results: Annotated[list[EventOut], From(resolve=lambda page, ctx: [_EVENT(e, ctx) for e in page.results])]
    next: str


_EVENT = EventOut.renderer()
_ = datetime  # WireDateTime's annotations name it
