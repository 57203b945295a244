"""Sales channels and the configuration an order points at: payment options, cargo companies,
external statuses, checkout providers, shipping option groups, reconciliations, funds transfers."""

from django.db import models

from oms.core.models import Named, Timestamped, money_field, rate_limit_field


class Channel(Timestamped):
    class StatusFormat(models.TextChoices):
        NAME = "name", "status names (approved)"
        CODE = "code", 'status codes as strings ("400")'

    class TotalsCheck(models.TextChoices):
        OFF = "off", "off: totals are not checked"
        WARN = "warn", "warn: store and flag the order"
        REJECT = "reject", "reject: answer 400 mismatch"

    class CancellationMode(models.TextChoices):
        IMMEDIATE = "immediate", "immediate: cancelled items become cancelled"
        APPROVAL = "approval", "approval: cancelled items wait (cancellation_waiting) for confirmation"

    class StockPolicy(models.TextChoices):
        RESERVE = "reserve", "reserve: always accept, flag items sold past the stock (oversold)"
        REJECT = "reject", "reject: refuse an order whose items lack the units (409 out_of_stock)"
        IGNORE = "ignore", "ignore: orders have no stock effect"

    name = models.CharField(max_length=128)
    code = models.SlugField(max_length=64, unique=True)
    is_active = models.BooleanField(default=True)
    status_format = models.CharField(
        max_length=8,
        choices=StatusFormat.choices,
        default=StatusFormat.NAME,
        help_text="How order and item statuses are written in answers.",
    )
    totals_check = models.CharField(
        max_length=8,
        choices=TotalsCheck.choices,
        default=TotalsCheck.WARN,
        help_text="What happens when an order's amounts do not add up.",
    )
    strict_fields = models.BooleanField(
        default=False, help_text="Refuse unknown request fields (unknown_field) instead of ignoring them."
    )
    cancellation_mode = models.CharField(
        max_length=16,
        choices=CancellationMode.choices,
        default=CancellationMode.IMMEDIATE,
        help_text="What the cancel endpoint does to the items it cancels.",
    )
    rate_limit = rate_limit_field(
        help_text='The rate limit of the API keys granted this channel, e.g. "200/s burst 400" or "off" '
        "(a key's own limit comes first; a key of several channels gets the highest). Empty: OMS_RATE_LIMIT.",
    )

    stock_policy = models.CharField(
        max_length=8,
        choices=StockPolicy.choices,
        default=StockPolicy.RESERVE,
        help_text="What an order does to the stock of its items.",
    )
    # By name: catalog's models import this module.
    stock_list = models.ForeignKey(
        "catalog.StockList",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Where items that name no stock_list reserve their units; channels that name one "
        "stock list share its units.",
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} (#{self.pk})"


class PaymentOption(Timestamped):
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="payment_options")
    name = models.CharField(max_length=128)
    slug = models.SlugField(max_length=64)
    first_refund_strategy = models.CharField(
        max_length=64,
        blank=True,
        help_text="Which refund route is tried first for orders paid with this option; "
        "answered as the order's first_refund_strategy.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "slug"], name="paymentoption_unique_channel_slug")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"


class CargoCompany(Timestamped):
    """A carrier; shared by all channels. `code` is what orders answer as `shipping_company`."""

    name = models.CharField(max_length=128)
    code = models.SlugField(max_length=64, unique=True, help_text="e.g. yurtici, ups")
    erp_code = models.CharField(max_length=64, blank=True, db_index=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "cargo companies"

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class CheckoutProvider(Named, Timestamped):
    """A checkout/payment provider (shared by all channels)."""

    name = models.CharField(max_length=128)
    slug = models.SlugField(max_length=64, unique=True)
    is_active = models.BooleanField(default=True)


class ChannelScopedNamed(Named, Timestamped):
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=128)
    code = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta(Named.Meta):
        abstract = True


class OrderExternalStatus(ChannelScopedNamed):
    """A status label of the channel's own system, carried on the order as external_status."""

    class Meta(ChannelScopedNamed.Meta):
        verbose_name_plural = "order external statuses"


class ShippingOptionGroup(ChannelScopedNamed):
    """A group of shipping options (delivery promises) an item was sold with."""


class Reconciliation(ChannelScopedNamed):
    """A settlement record of the channel; items point at it for sales and for cancellations."""


class FundsTransferTransaction(Timestamped):
    """A money transfer (e.g. a bank transfer) that paid an order."""

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=128)
    amount = money_field(default=0)
    currency = models.CharField(max_length=3, default="try")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.reference
