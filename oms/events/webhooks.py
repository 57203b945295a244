"""Webhook subscriptions: the services behind the API, the admin and `oms webhook`."""

from __future__ import annotations

import base64
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from oms.channels.models import Channel
from oms.core.errors import ErrorCode, Problem, ValidationFailed
from oms.core.lookup import channel_row_getter
from oms.core.payload import parse_payload
from oms.events.models import Delivery, Event, EventType, FanoutCursor, Webhook
from oms.events.safety import UnsafeURL, check_url
from oms.events.schemas import RedeliverIn, WebhookIn, WebhookUpdateIn
from oms.events.services import record_event

_READ_ONLY = ("pk", "id", "channel", "created_date", "modified_date", "disabled_reason")


def new_secret() -> str:
    """A Standard Webhooks signing secret: whsec_ and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def list_webhooks(*, channel: Channel) -> QuerySet[Webhook]:
    return Webhook.objects.filter(channel=channel)


get_webhook = channel_row_getter(list_webhooks, "Webhook")


def _parsed(schema: type[WebhookIn], channel: Channel, payload: Any) -> tuple[WebhookIn, set[str]]:
    parsed = parse_payload(schema, payload, strict_fields=channel.strict_fields, read_only=_READ_ONLY)
    data = parsed.readable
    if data is not None and data.url is not None and "url" not in {p.path for p in parsed.problems}:
        try:
            check_url(data.url)
        except UnsafeURL as error:
            parsed.add([Problem("url", ErrorCode.INVALID, str(error))])
    if parsed.problems:
        raise ValidationFailed(parsed.problems)
    return parsed.data, parsed.given


def create_webhook(*, channel: Channel, payload: Any) -> tuple[Webhook, str]:
    """Subscribe `url` to the channel's events; the webhook and its secret, which is shown once.
    ValidationFailed for a URL that is not https or resolves to a non-public address."""
    data, _ = _parsed(WebhookIn, channel, payload)
    secret = new_secret()
    _start_fan_out(channel)
    webhook = Webhook.objects.create(
        channel=channel,
        url=data.url,
        events=list(dict.fromkeys(data.events or [])),
        is_active=True if data.is_active is None else data.is_active,
        secret=secret,
    )
    return webhook, secret


def _start_fan_out(channel: Channel) -> None:
    # The channel's first subscription: fan-out starts at its newest event, not at the oldest kept.
    if not FanoutCursor.objects.filter(channel=channel).exists():
        last = Event.objects.filter(channel=channel).order_by("-tx", "-id").first()
        FanoutCursor.objects.get_or_create(
            channel=channel, defaults={"tx": last.tx, "event_id": last.pk} if last else {}
        )


def update_webhook(*, webhook: Webhook, payload: Any) -> Webhook:
    """Change the fields sent; re-activating a disabled endpoint clears why it was disabled."""
    data, given = _parsed(WebhookUpdateIn, webhook.channel, payload)
    if "url" in given and data.url is not None:
        webhook.url = data.url
    if "events" in given:
        webhook.events = list(dict.fromkeys(data.events or []))
    if "is_active" in given and data.is_active is not None:
        webhook.is_active = data.is_active
        if data.is_active:
            webhook.disabled_reason, webhook.failing_since = "", None
    webhook.save()
    return webhook


def delete_webhook(*, webhook: Webhook) -> None:
    webhook.delete()


@transaction.atomic
def rotate_secret(*, webhook: Webhook, now: datetime | None = None) -> str:
    """A new signing secret; the old one keeps signing beside it for OMS_WEBHOOK_OLD_SECRET_SECONDS."""
    now = now or timezone.now()
    webhook.previous_secret = webhook.secret
    webhook.previous_secret_expires_at = now + timedelta(seconds=settings.OMS_WEBHOOK_OLD_SECRET_SECONDS)
    webhook.secret = new_secret()
    webhook.save()
    return webhook.secret


@transaction.atomic
def ping_webhook(*, webhook: Webhook) -> Event:
    """Queue a `ping` event for this subscription alone."""
    return record_event(
        channel_id=webhook.channel_id,
        type=EventType.PING,
        subject=f"webhook:{webhook.pk}",
        data={"webhook": webhook.pk},
        target=webhook,
    )


@transaction.atomic
def redeliver(*, webhook: Webhook, payload: Any) -> int:
    """Queue again every event of the channel the webhook subscribes to that occurred in
    [since, until); the number queued. Each keeps its webhook-id."""
    parsed = parse_payload(RedeliverIn, payload, strict_fields=webhook.channel.strict_fields)
    if parsed.problems:
        raise ValidationFailed(parsed.problems)
    data: RedeliverIn = parsed.data
    until = data.until or timezone.now()
    if until < data.since:
        raise ValidationFailed(Problem("until", ErrorCode.OUT_OF_RANGE, "until is before since."))
    events = Event.objects.filter(
        channel_id=webhook.channel_id, occurred_at__gte=data.since, occurred_at__lt=until
    ).exclude(type=EventType.PING)
    if webhook.events:
        events = events.filter(type__in=webhook.events)
    now = timezone.now()
    rows = [
        Delivery(event_id=pk, webhook=webhook, subject=subject, next_attempt_at=now)
        for pk, subject in events.order_by("tx", "id").values_list("id", "subject")
    ]
    Delivery.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
