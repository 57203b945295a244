"""The outbox (Event), webhook subscriptions, and their deliveries.

An event row is written in the transaction that makes its change (`services.record_event`, or
joined to the create path's one statement), so it exists exactly when the change was committed.
The worker fans each event out to a Delivery per matching subscription and delivers those.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.db import models

from oms.channels.models import Channel
from oms.core.render import dumps


class EventType(models.TextChoices):
    ORDER_CREATED = "order.created"
    ORDER_UPDATED = "order.updated"
    ORDER_CANCELLED = "order.cancelled"
    ORDER_ITEM_UPDATED = "order_item.updated"
    STOCK_CHANGED = "stock.changed"
    PING = "ping"


class CurrentTransaction(models.Func):
    """The writing transaction's id on PostgreSQL (0 on SQLite, whose writers commit one at a
    time, so there id order is commit order). Readers serve events in (tx, id) order and only
    those of transactions older than every one still running: an event that commits late with a
    lower id then still sorts after every cursor handed out before it was visible."""

    template = "(pg_current_xact_id()::text::bigint)"
    output_field = models.BigIntegerField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return "0", []


class ExactDecoder(json.JSONDecoder):
    """Money in event data is read back as the Decimal it was written as (100.00, not 100.0)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, parse_float=Decimal, **kwargs)


class ExactEncoder(json.JSONEncoder):
    """Event data written as the API writes it: a Decimal as its exact digits."""

    def encode(self, o):
        return dumps(o).decode()


class EventDataField(models.JSONField):
    """Event data kept as the text it was written: PostgreSQL `text`, not `jsonb` (SQLite keeps
    JSON as text anyway). It is only ever read back whole (the worker, the pull feed), never
    queried into, so jsonb's parsed form bought nothing and cost every create its parse and
    build: the create statement writes the order's answer as the app rendered it, its ids put
    in as text, cast once to json to check it. Keys keep the order they were written in.

    Why `text` and not `json`: psycopg decodes the types it knows, json among them, so a process
    of the release before (its `data` a JSONField over jsonb, which Django has psycopg hand over
    as text) would get a dict where Django expects text, and fail, while a rolling upgrade runs
    it against the new schema. text it reads as it read jsonb."""

    def db_type(self, connection):
        return "text" if connection.vendor == "postgresql" else super().db_type(connection)

    def get_db_prep_value(self, value, connection, prepared=False):
        if connection.vendor != "postgresql":
            return super().get_db_prep_value(value, connection, prepared)
        if not prepared:
            value = self.get_prep_value(value)
        return None if value is None else json.dumps(value, cls=self.encoder)


class Event(models.Model):
    id = models.BigAutoField(primary_key=True)
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+", db_index=False)
    type = models.CharField(max_length=32, choices=EventType.choices)
    # What the event is about ("order:12", "stock:7"): events of one subject are delivered to a
    # subscription in the order they happened.
    subject = models.CharField(max_length=64)
    occurred_at = models.DateTimeField()
    tx = models.BigIntegerField(db_default=CurrentTransaction(), editable=False)
    data = EventDataField(encoder=ExactEncoder, decoder=ExactDecoder)
    # The X-Request-ID of the request that made the change, carried into the worker's delivery
    # log lines ("" for changes made outside a request: commands, the worker).
    request_id = models.CharField(max_length=128, blank=True, default="")
    # A ping is for one subscription only; every other event goes to each matching subscription.
    target = models.ForeignKey(
        "Webhook", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )

    class Meta:
        # One index besides the pk: every create pays for each index it enters. The feed and
        # fan-out read one channel at a time; purge and redeliver by time are rare and scan.
        indexes = [models.Index(fields=["channel", "tx", "id"], name="event_feed_idx")]

    def __str__(self) -> str:
        return f"{self.type} {self.subject} ({self.wire_id})"

    @property
    def wire_data(self) -> dict:
        """`data` as sent: an order.created row written by PostgreSQL's create statement holds its
        items' ids beside the items (`item_ids`); they are put in the items here."""
        data = self.data
        ids = data.get("item_ids") if self.type == EventType.ORDER_CREATED else None
        if ids is None:
            return data
        answer = {key: value for key, value in data.items() if key != "item_ids"}
        answer["orderitem_set"] = [
            row | {"pk": pk, "id": pk, "order": data["pk"]}
            for row, pk in zip(data["orderitem_set"], ids, strict=True)
        ]
        return answer

    @property
    def wire_id(self) -> str:
        """The event's id on the wire (body `id` and `webhook-id`): the same on every retry."""
        return f"evt_{self.pk}"


class Webhook(models.Model):
    """A channel's subscription: events of the listed types (all when empty) POSTed to `url`."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="webhooks")
    url = models.CharField(max_length=1024)
    events = models.JSONField(default=list, blank=True)
    secret = models.CharField(max_length=128)
    # After a rotation the old secret signs beside the new one until previous_secret_expires_at.
    previous_secret = models.CharField(max_length=128, blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    # Set when an endpoint failing for OMS_WEBHOOK_DISABLE_AFTER_SECONDS was switched off.
    disabled_reason = models.CharField(max_length=255, blank=True, default="")
    failing_since = models.DateTimeField(null=True, blank=True)
    created_date = models.DateTimeField(auto_now_add=True)
    modified_date = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.url} (channel {self.channel_id})"

    def wants(self, event_type: str) -> bool:
        return not self.events or event_type in self.events


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class Delivery(models.Model):
    """One event to one subscription, tried until a 2xx or until retries run out."""

    id = models.BigAutoField(primary_key=True)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    subject = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # A claimed delivery is leased to one worker until then; a worker killed mid-delivery loses
    # its lease and another delivers it again (same webhook-id).
    locked_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=255, blank=True, default="")
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    created_date = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        indexes = [
            # In the claim's order, so a claim reads the first due rows and stops there.
            models.Index(
                fields=["next_attempt_at", "id"],
                name="delivery_due_idx",
                condition=models.Q(status="pending"),
            ),
            models.Index(
                fields=["webhook", "subject", "id"],
                name="delivery_subject_idx",
                condition=models.Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} -> {self.webhook_id}"


class FanoutCursor(models.Model):
    """Where fan-out stands in a channel's events, in (tx, id) order."""

    channel = models.OneToOneField(Channel, on_delete=models.CASCADE, related_name="+")
    tx = models.BigIntegerField(default=0)
    event_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"channel {self.channel_id} after {self.tx}-{self.event_id}"
