"""API keys: stored as a SHA-256 digest, granted a set of channels."""

from django.conf import settings
from django.db import models

from oms.channels.models import Channel
from oms.core.models import rate_limit_field


class ApiKey(models.Model):
    name = models.CharField(max_length=128)
    # The key is random (160 bits) so a fast digest is enough; the clear key is shown once.
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(
        max_length=12, editable=False, help_text="First characters, to recognise a key."
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_keys",
        help_text="Set for keys obtained through auth/login/; a superuser's key sees every channel.",
    )
    channels = models.ManyToManyField(Channel, blank=True, related_name="api_keys")
    shared = models.BooleanField(default=False, help_text="May write data shared by all channels (catalog).")
    erp = models.BooleanField(
        default=False,
        help_text="The shop's ERP: reads every channel's orders and confirms them (ERP routes).",
    )
    is_active = models.BooleanField(default=True)
    rate_limit = rate_limit_field(
        help_text='This key\'s own rate limit, e.g. "200/s burst 400", "3000/m" or "off". Empty: the '
        "highest of its channels' limits, else OMS_RATE_LIMIT.",
    )
    created_date = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
