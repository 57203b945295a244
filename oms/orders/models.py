"""Orders and their items: every field of Omnitron's SalesChannelCreateOrder page, stored as sent."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models

from oms.access.models import ApiKey
from oms.catalog.models import Datasource, PriceList, Product, ProductStock, StockList
from oms.channels.models import (
    CargoCompany,
    Channel,
    CheckoutProvider,
    FundsTransferTransaction,
    OrderExternalStatus,
    PaymentOption,
    Reconciliation,
    ShippingOptionGroup,
)
from oms.core.models import money_field, rate_field
from oms.customers.models import Address, Customer
from oms.orders.enums import CancelStatus, ClientType, DeliveryType, OrderStatus


def _set_only(*fields: tuple[str, str]) -> list[models.Index]:
    """Indexes of optional references over the rows that have one. Every insert pays for each
    index it enters, and most orders and items leave these empty; what reads them (a lookup by
    the referenced row, the check before deleting it) always asks for a value, which a partial
    index answers. The referencing columns' own FK indexes are turned off (db_index=False)."""
    return [
        models.Index(fields=[field], condition=models.Q(**{f"{field}__isnull": False}), name=name)
        for field, name in fields
    ]


class Order(models.Model):
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="orders", db_index=False)
    number = models.CharField(max_length=128, help_text="The channel's order number; unique per channel.")
    status = models.CharField(max_length=32, choices=OrderStatus.choices)
    date_placed = models.DateTimeField()
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders", db_index=False)
    shipping_address = models.ForeignKey(Address, on_delete=models.PROTECT, related_name="+")
    billing_address = models.ForeignKey(Address, on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(max_length=3)
    amount = money_field()
    shipping_amount = money_field(default=0)
    shipping_tax_rate = rate_field(default=0)
    extra_field = models.JSONField(default=dict, blank=True)
    payment_option = models.ForeignKey(
        PaymentOption, on_delete=models.PROTECT, null=True, blank=True, db_index=False
    )
    payment_option_slug = models.CharField(max_length=64, blank=True)
    bin_number = models.CharField(max_length=8, blank=True)
    # Omnitron's installment id; kept as sent, there is no installment table here.
    installment = models.PositiveIntegerField(null=True, blank=True)
    installment_count = models.PositiveSmallIntegerField(default=1)
    delivery_type = models.CharField(max_length=16, choices=DeliveryType.choices, blank=True)
    installment_interest_amount = money_field(default=0)
    cargo_company = models.ForeignKey(
        CargoCompany, on_delete=models.PROTECT, null=True, blank=True, db_index=False
    )
    invoice_number = models.CharField(max_length=64, blank=True)
    invoice_date = models.DateTimeField(null=True, blank=True)
    e_archive_url = models.URLField(max_length=1024, blank=True)
    refund_amount = money_field(default=0)
    discount_refund_amount = money_field(default=0)
    shipping_refund_amount = money_field(default=0)
    discount_amount = money_field(default=0)
    is_send = models.BooleanField(default=False)
    shipping_interest_amount = money_field(default=0)
    tracking_number = models.CharField(max_length=256, blank=True)
    carrier_shipping_code = models.CharField(max_length=256, blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    funds_transfer_transactions = models.ManyToManyField(
        FundsTransferTransaction, blank=True, related_name="orders", db_table="orders_order_funds_transfers"
    )
    has_gift_box = models.BooleanField(default=False)
    gift_box_note = models.TextField(blank=True)
    external_status = models.ForeignKey(
        OrderExternalStatus, on_delete=models.PROTECT, null=True, blank=True, db_index=False
    )
    client_type = models.CharField(max_length=16, choices=ClientType.choices, default=ClientType.DEFAULT)
    language_code = models.CharField(max_length=16, blank=True)
    notes = models.TextField(blank=True)
    delivery_range_start = models.DateTimeField(null=True, blank=True)
    delivery_range_end = models.DateTimeField(null=True, blank=True)
    shipping_option_slug = models.CharField(max_length=128, blank=True)
    segment = models.CharField(max_length=128, blank=True)
    checkout_provider = models.ForeignKey(
        CheckoutProvider, on_delete=models.PROTECT, null=True, blank=True, db_index=False
    )
    cancellation_info = models.JSONField(default=dict, blank=True)
    defined_tracking_url = models.URLField(max_length=1024, blank=True)
    net_shipping_amount = money_field(default=0, help_text="shipping_amount net of shipping tax.")
    # Set when the channel's totals check is `warn` and the sent totals do not add up.
    totals_mismatch = models.BooleanField(default=False)
    oversold = models.BooleanField(
        default=False, help_text="An item took its stock row below zero (channel stock_policy reserve)."
    )
    totals_computed = models.JSONField(default=dict, blank=True)
    # Canonical hash of the validated request: a retry with the same body is a replay.
    payload_hash = models.CharField(max_length=64, editable=False)
    created_date = models.DateTimeField(auto_now_add=True)
    modified_date = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "number"], name="order_unique_channel_number"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="order_amount_not_negative"),
        ]
        indexes = [
            models.Index(fields=["channel", "modified_date", "id"], name="order_channel_modified_idx"),
            models.Index(fields=["channel", "date_placed", "id"], name="order_channel_placed_idx"),
            models.Index(fields=["channel", "created_date", "id"], name="order_channel_created_idx"),
            models.Index(fields=["channel", "status", "id"], name="order_channel_status_idx"),
            models.Index(fields=["customer", "id"], name="order_customer_idx"),
            # The list's default sort (newest first) and its id cursor, per channel.
            models.Index(fields=["channel", "id"], name="order_channel_id_idx"),
            *_set_only(
                ("payment_option", "order_payment_option_idx"),
                ("cargo_company", "order_cargo_company_idx"),
                ("external_status", "order_external_status_idx"),
                ("checkout_provider", "order_checkout_provider_idx"),
            ),
            models.Index(
                fields=["totals_mismatch"],
                condition=models.Q(totals_mismatch=True),
                name="order_totals_mismatch_idx",
            ),
            models.Index(fields=["oversold"], condition=models.Q(oversold=True), name="order_oversold_idx"),
            # The ERP's poll across channels (is_send=false): orders it has not picked up yet.
            models.Index(fields=["id"], condition=models.Q(is_send=False), name="order_not_sent_idx"),
        ]

    def __str__(self) -> str:
        return f"order {self.number}"


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="orderitem_set")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    # Snapshot of the product at the time of the sale.
    product_sku = models.CharField(max_length=128)
    product_name = models.CharField(max_length=255)
    status = models.CharField(max_length=32, choices=OrderStatus.choices, default=OrderStatus.APPROVED)
    price_currency = models.CharField(max_length=3)
    price = money_field()
    quantity = models.PositiveIntegerField(default=1)
    unit_price = money_field()
    total_price = money_field()
    tax_rate = rate_field(default=0)
    tax_amount = money_field(default=0)
    extra_field = models.JSONField(default=dict, blank=True)
    price_list = models.ForeignKey(
        PriceList, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    stock_list = models.ForeignKey(
        StockList, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    shipping_company = models.CharField(max_length=64, blank=True)
    shipment_code = models.CharField(max_length=256, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    attributes_kwargs = models.JSONField(default=dict, blank=True)
    cancel_status = models.CharField(max_length=32, choices=CancelStatus.choices, null=True, blank=True)
    installment_interest_amount = money_field(default=0)
    is_tradable = models.BooleanField(default=False)
    datasource = models.ForeignKey(
        Datasource, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    localized_attributes = models.JSONField(default=dict, blank=True)
    localized_attributes_kwargs = models.JSONField(default=dict, blank=True)
    cancellation_reconciliation = models.ForeignKey(
        Reconciliation, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    reconciliation = models.ForeignKey(
        Reconciliation, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    forced_refund = models.BooleanField(default=False)
    original_stock = models.IntegerField(
        null=True, blank=True, help_text="Stock quantity as the channel saw it."
    )
    shipping_option_group = models.ForeignKey(
        ShippingOptionGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    discount_amount = money_field(default=0)
    retail_price = money_field(null=True, blank=True)
    image = models.CharField(max_length=1024, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", db_index=False
    )
    estimated_delivery_date = models.DateField(null=True, blank=True)
    defined_tracking_url = models.URLField(max_length=1024, blank=True)
    defined_shipping_company = models.CharField(max_length=64, blank=True)
    tracking_number = models.CharField(max_length=256, blank=True)
    carrier_shipping_code = models.CharField(max_length=256, blank=True)
    invoice_number = models.CharField(max_length=64, blank=True)
    invoice_date = models.DateTimeField(null=True, blank=True)
    delivered_date = models.DateTimeField(null=True, blank=True)
    # The stock row the item's quantity was reserved on (None: nothing reserved), and whether that
    # reservation was given back (cancel, refund, the ERP's create_mapping): released once only.
    reserved_stock = models.ForeignKey(
        ProductStock, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    stock_released = models.BooleanField(default=False)
    oversold = models.BooleanField(
        default=False, help_text="Sold past its stock row's adjusted stock, or with no stock row."
    )
    created_date = models.DateTimeField(auto_now_add=True)
    modified_date = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="orderitem_quantity_positive"),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="orderitem_price_not_negative"),
        ]
        indexes = _set_only(
            ("price_list", "item_price_list_idx"),
            ("stock_list", "item_stock_list_idx"),
            ("datasource", "item_datasource_idx"),
            ("cancellation_reconciliation", "item_cancel_reconciliation_idx"),
            ("reconciliation", "item_reconciliation_idx"),
            ("shipping_option_group", "item_shipping_option_group_idx"),
            ("parent", "item_parent_idx"),
            ("reserved_stock", "item_reserved_stock_idx"),
        )

    def __str__(self) -> str:
        return f"item {self.pk} of order {self.order_id}"


class CancellationReason(models.Model):
    """Why items are cancelled (before shipping) or refunded (after delivery); shared by all
    channels, managed in the admin. The cancel endpoint requires one per cancelled item."""

    class CancellationType(models.TextChoices):
        CANCEL = "cancel"
        REFUND = "refund"

    reason = models.CharField(max_length=255)
    code = models.SlugField(max_length=64, unique=True, help_text="Stable name for integrations.")
    cancellation_type = models.CharField(
        max_length=8, choices=CancellationType.choices, default=CancellationType.CANCEL
    )
    is_active = models.BooleanField(default=True, help_text="Inactive reasons are refused by the API.")
    sort_order = models.PositiveSmallIntegerField(default=0)
    created_date = models.DateTimeField(auto_now_add=True)
    modified_date = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return f"{self.reason} ({self.cancellation_type})"


class OrderHistory(models.Model):
    """One change to an order, appended in the transaction that made it and never edited: an
    item's status or cancel status, a cancellation with its reason, other item fields, and the
    order status that follows from its items. Who made it is kept as a name too, so the entry
    survives the key or user being deleted."""

    class Kind(models.TextChoices):
        STATUS = "status", "item status"
        CANCELLATION = "cancellation", "item cancelled or cancellation requested"
        CANCEL_STATUS = "cancel_status", "item cancel status"
        UPDATE = "update", "item fields"
        ORDER_STATUS = "order_status", "order status"
        STOCK = "stock", "stock reserved or released"

    # orderhistory_order_idx (order, id) answers every lookup by order: no index of its own.
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="history", db_index=False)
    item = models.ForeignKey(
        OrderItem, on_delete=models.CASCADE, null=True, blank=True, related_name="history", db_index=False
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    from_value = models.CharField(max_length=32, blank=True)
    to_value = models.CharField(max_length=32, blank=True)
    reason = models.ForeignKey(
        CancellationReason, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    note = models.TextField(blank=True, help_text="Why, in words.")
    # Other fields changed: {"tracking_number": {"from": "", "to": "TR1"}}.
    changes = models.JSONField(default=dict, blank=True)
    api_key = models.ForeignKey(
        ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    actor = models.CharField(max_length=150, help_text="The key's or user's name at the time.")
    created_date = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "order history entry"
        verbose_name_plural = "order history"
        # A history row enters every index of the table: a reserving create writes one per item.
        # Those of the optional references (who, why, which item) hold only the rows that have
        # one: 7 index entries per row before, 3 for an item's row written by an order (pk, order,
        # item). make bench-stock-profile, per reserving create of 3 items: 0.8 KB less WAL, and
        # about 0.03 ms less of the backend's CPU, within that measure's noise.
        indexes = [
            models.Index(fields=["order", "id"], name="orderhistory_order_idx"),
            *_set_only(
                ("item", "orderhistory_item_idx"),
                ("reason", "orderhistory_reason_idx"),
                ("api_key", "orderhistory_api_key_idx"),
                ("user", "orderhistory_user_idx"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of order {self.order_id}: {self.from_value} -> {self.to_value}"


class IntegrationMapping(models.Model):
    """An id the shop's ERP gave one of our rows (Omnitron's mapping, `create_mapping`): today an
    order item and its ERP line. One per row and integration type: the ERP's retry finds it."""

    class IntegrationType(models.TextChoices):
        EXTERNAL_COMPANY = "external_company"

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    integration_type = models.CharField(
        max_length=32, choices=IntegrationType.choices, default=IntegrationType.EXTERNAL_COMPANY
    )
    code = models.CharField(max_length=255, help_text="The ERP's id of the row.")
    created_date = models.DateTimeField(auto_now_add=True)
    modified_date = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "integration_type"], name="mapping_unique_object"
            )
        ]

    def __str__(self) -> str:
        return f"{self.content_type.model} {self.object_id} = {self.code}"
