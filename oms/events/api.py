"""Webhook subscriptions of a channel, and its pull feed of events."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router

from oms.access.services import get_channel_for
from oms.core.filters import Filter, boolean, id_filters
from oms.core.http import json_response, read_json
from oms.core.openapi import ERROR_RESPONSES, json_body
from oms.core.resources import Resource
from oms.events import services, webhooks
from oms.events.schemas import (
    EventPageOut,
    QueuedOut,
    RedeliverIn,
    WebhookIn,
    WebhookOut,
    WebhookSecretOut,
    WebhookUpdateIn,
)

router = Router(tags=["events"])

WEBHOOKS = Resource.of(
    webhooks,
    "webhook",
    WebhookOut,
    "list get update delete",
    body=WebhookIn,
    update_body=WebhookUpdateIn,
    filters=[
        Filter("is_active", "is_active", boolean, description="true or false."),
        *id_filters("pk", "pk"),
    ],
    description="Subscriptions receive the channel's events, signed per Standard Webhooks (see the README).",
)
WEBHOOKS.register(router)


def _created(request: HttpRequest, scoped: dict[str, Any], path: Any) -> HttpResponse:
    webhook, secret = webhooks.create_webhook(**scoped, payload=read_json(request))
    return json_response(WebhookSecretOut.render(webhook, secret=secret, **scoped), status=201)


def _rotated(request: HttpRequest, scoped: dict[str, Any], path: Any) -> HttpResponse:
    webhook = WEBHOOKS.row(request, scoped, path["pk"])
    secret = webhooks.rotate_secret(webhook=webhook)
    return json_response(WebhookSecretOut.render(webhook, secret=secret, **scoped))


def _pinged(request: HttpRequest, scoped: dict[str, Any], path: Any) -> HttpResponse:
    webhooks.ping_webhook(webhook=WEBHOOKS.row(request, scoped, path["pk"]))
    return json_response(QueuedOut.render(1), status=202)


def _redelivered(request: HttpRequest, scoped: dict[str, Any], path: Any) -> HttpResponse:
    webhook = WEBHOOKS.row(request, scoped, path["pk"])
    return json_response(
        QueuedOut.render(webhooks.redeliver(webhook=webhook, payload=read_json(request))), status=202
    )


WEBHOOKS.route(
    router,
    "POST",
    "create_webhook",
    _created,
    write=True,
    summary="Subscribe to the channel's events: the answer holds the signing secret, shown once",
    response={201: WebhookSecretOut, **ERROR_RESPONSES},
    openapi_extra=json_body(WebhookIn),
)
WEBHOOKS.route(
    router,
    "POST",
    "rotate_webhook_secret",
    _rotated,
    row=True,
    suffix="rotate_secret/",
    write=True,
    summary="A new signing secret; the old one keeps signing beside it for 24 hours",
    response={200: WebhookSecretOut, **ERROR_RESPONSES},
)
WEBHOOKS.route(
    router,
    "POST",
    "ping_webhook",
    _pinged,
    row=True,
    suffix="ping/",
    write=True,
    summary="Queue a ping event for this subscription",
    response={202: QueuedOut, **ERROR_RESPONSES},
)
WEBHOOKS.route(
    router,
    "POST",
    "redeliver_webhook",
    _redelivered,
    row=True,
    suffix="redeliver/",
    write=True,
    summary="Queue again the events that occurred in a time range",
    response={202: QueuedOut, **ERROR_RESPONSES},
    openapi_extra=json_body(RedeliverIn),
)

_FEED_PARAMS = [
    {
        "in": "query",
        "name": "after",
        "required": False,
        "schema": {"type": "string"},
        "description": "The `next` of the previous page; empty or absent for the oldest event kept.",
    },
    {
        "in": "query",
        "name": "limit",
        "required": False,
        "schema": {"type": "integer"},
        "description": "Events per page, 1 to 1000 (default 100).",
    },
    {
        "in": "query",
        "name": "type",
        "required": False,
        "schema": {"type": "string"},
        "description": "Only these event types (repeated or comma-separated).",
    },
]


@router.get(
    "/channel/{channel_id}/events/",
    summary="The channel's events in commit order, for consumers that cannot receive webhooks",
    response={200: EventPageOut, **ERROR_RESPONSES},
    openapi_extra={"parameters": _FEED_PARAMS},
)
def list_events(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    page = services.list_channel_events(channel=channel, params=dict(request.GET.lists()))
    return json_response(EventPageOut.render(page, channel=channel))
