"""Idempotency keys: the answer a keyed request got, kept so that its retries get the same answer."""

from django.db import models

from oms.access.models import ApiKey
from oms.channels.models import Channel


class IdempotencyKey(models.Model):
    """One `Idempotency-Key` of one API key in one channel, and the first successful answer to it.

    The row is inserted (claimed) in its own short transaction before the request runs, so the
    unique constraint tells a concurrent duplicate that the key is in use; `status_code` stays
    null until the answer is stored.
    """

    # Indexed by the unique constraint below, which starts with it.
    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+", db_index=False)
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(
        max_length=64, help_text="SHA-256 of the method, path and canonical JSON body of the request."
    )
    # New on every claim: a request whose abandoned claim was taken over cannot overwrite the new one.
    claim_token = models.UUIDField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(default=b"")
    response_headers = models.JSONField(default=dict, blank=True)
    # When the current claim began (not auto_now_add: taking over an expired key restarts it).
    created_date = models.DateTimeField()
    completed_date = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["api_key", "channel", "key"], name="idempotency_unique_key_per_caller"
            ),
        ]
        indexes = [models.Index(fields=["created_date"], name="idempotency_created_idx")]

    def __str__(self) -> str:
        return f"idempotency key {self.key!r} of API key {self.api_key_id} in channel {self.channel_id}"
