"""What a sales-channel integration (Akinon's channel-app and its kin) keeps in Omnitron: the link
between our objects and the channel's ids (integration actions), the batches it tracks its runs
with, its error reports and operational events, the cancellation requests and shipping infos it
sends, and the channel configuration and catalog it reads before an order sync."""

import uuid

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models

from oms.catalog.models import PriceList, Product, StockList
from oms.channels.models import CargoCompany, Channel
from oms.core.models import Named, Timestamped
from oms.orders.models import CancellationReason, Order, OrderItem


class CategoryTree(Named, Timestamped):
    """A tree of categories (shared by every channel); a channel's configuration names the one
    its products are sent under."""

    name = models.CharField(max_length=128)


class CategoryNode(Timestamped):
    """A category. `path` is its materialised path (its parent's path and four digits, as
    Omnitron's category nodes are numbered), so "under a node" is a prefix test."""

    tree = models.ForeignKey(CategoryTree, on_delete=models.CASCADE, related_name="nodes")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    name = models.CharField(max_length=255)
    path = models.CharField(max_length=255, editable=False)

    class Meta:
        ordering = ["tree", "path"]
        constraints = [models.UniqueConstraint(fields=["tree", "path"], name="categorynode_unique_path")]

    def __str__(self) -> str:
        return f"{self.name} ({self.path})"

    def clean(self) -> None:
        if self.parent_id and self.tree_id and self.parent.tree_id != self.tree_id:
            raise ValidationError({"parent": "The parent is a node of another tree."})


class ProductCategory(Timestamped):
    """A product placed in a category."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(CategoryNode, on_delete=models.CASCADE, related_name="products")

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "product categories"
        constraints = [
            models.UniqueConstraint(fields=["product", "category"], name="productcategory_unique_category"),
        ]

    def __str__(self) -> str:
        return f"product {self.product_id} in {self.category}"


class ChannelConf(Timestamped):
    """Omnitron's `channel.conf`: the free-form settings an integration reads from `channels/{id}/`
    (`reason_mapping`, `cancellation_reason_id`, `send_shipping_info`, connection pool sizes...)."""

    channel = models.OneToOneField(Channel, on_delete=models.CASCADE, related_name="integration_conf")
    conf = models.JSONField(default=dict, blank=True)
    category_tree = models.ForeignKey(
        CategoryTree,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The tree the channel's products are sent under (channel-app's channel.category_tree).",
    )

    class Meta:
        verbose_name = "channel configuration"

    def __str__(self) -> str:
        return f"configuration of {self.channel}"

    def clean(self) -> None:
        if not isinstance(self.conf, dict):
            raise ValidationError({"conf": "The configuration is a JSON object."})


class Catalog(Named, Timestamped):
    """The price and stock lists an integration prices the channel's order items from
    (`catalogs/{id}/`). The price list is the channel's own; the stock list may be another
    channel's, whose units the channels then share (`Channel.stock_list`)."""

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="catalogs")
    name = models.CharField(max_length=128)
    price_list = models.ForeignKey(PriceList, on_delete=models.PROTECT, related_name="+")
    stock_list = models.ForeignKey(StockList, on_delete=models.PROTECT, related_name="+")

    def clean(self) -> None:
        errors = {}
        if self.price_list_id and self.price_list.channel_id != self.channel_id:
            errors["price_list"] = "The price list belongs to another channel."
        if errors:
            raise ValidationError(errors)


class CatalogItem(Timestamped):
    """A product the catalog's channel sells: the channel's product, price and stock feeds hand
    out the catalog's products, their prices in its price list and their stock in its stock list.
    Removing an item is how a product leaves the channel (the feeds then report it deleted)."""

    catalog = models.ForeignKey(Catalog, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    pending = models.BooleanField(
        default=True,
        editable=False,
        help_text="The product may be due to the channel: not sent, in flight, failed, or changed since "
        "the channel received it. False only once a batch delivered its current version; the product "
        "feeds read the pending items alone (oms.integrations.services.pending).",
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["catalog", "product"], name="catalogitem_unique_product"),
        ]
        # The product feeds' pages and counts read only these rows, in product order (the feeds'),
        # however much was sent; with the catalog, the index answers them alone (index-only).
        indexes = [
            models.Index(
                fields=["product", "catalog"],
                condition=models.Q(pending=True),
                name="catalogitem_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"product {self.product_id} in catalog {self.catalog_id}"


class BatchRequest(Timestamped):
    """One run of an integration (an order sync, a stock push...), moved through its statuses by
    the integration; `oms.integrations.transitions` holds the table of allowed moves."""

    class Status(models.TextChoices):
        INITIALIZED = "initialized"
        COMMIT = "commit", "commit (objects fetched and marked)"
        SENT_TO_REMOTE = "sent_to_remote", "sent to the channel"
        ONGOING = "ongoing", "ongoing on the channel"
        DONE = "done"
        FAIL = "fail"

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+")
    local_batch_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    remote_batch_id = models.CharField(max_length=255, blank=True, help_text="The channel's id of the batch.")
    content_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="What the batch carries (order, product...).",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.INITIALIZED)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["channel", "status", "id"], name="batchrequest_status_idx")]

    def __str__(self) -> str:
        return f"batch request {self.pk} ({self.status})"


class IntegrationAction(Timestamped):
    """The link between one of our objects and the channel's id for it (`remote_id`), with the
    version of the object the channel last received (`version_date`, the object's modified_date
    then). One per object and channel; several objects may share a remote id (an order line of
    quantity 2 is two order items)."""

    class Status(models.TextChoices):
        PROCESSING = "processing", "processing in a batch"
        SUCCESS = "success"
        ERROR = "error"

    class FailedReasonType(models.TextChoices):
        MAPPING = "mapping"
        REMOTE = "remote"
        CHANNEL_APP = "channel_app"

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    remote_id = models.CharField(max_length=255, null=True, blank=True)
    version_date = models.DateTimeField(null=True, blank=True)
    delivered_version = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The version (version_date) of the object in the last batch that ended done for it: "
        "what the channel has. The product, price and stock feeds compare it with modified_date.",
    )
    state = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUCCESS)
    failed_reason_type = models.CharField(max_length=16, choices=FailedReasonType.choices, blank=True)
    batch_request = models.ForeignKey(
        BatchRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="integration_actions",
        help_text="The batch that last recorded this object.",
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "content_type", "object_id"], name="integrationaction_unique_object"
            ),
        ]
        indexes = [
            models.Index(
                fields=["channel", "content_type", "remote_id"], name="integrationaction_remote_idx"
            ),
            models.Index(fields=["batch_request", "status"], name="integrationaction_batch_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.content_type.model} {self.object_id} = {self.remote_id}"


class ErrorReport(models.Model):
    """What an integration reports about a step of a run, failed or (as success logs) not."""

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+")
    action_content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    action_object_id = models.PositiveBigIntegerField()
    target_content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    target_object_id = models.CharField(max_length=64, blank=True)
    obj_modified_date = models.DateTimeField(null=True, blank=True)
    error_code = models.CharField(max_length=255)
    error_desc = models.TextField(blank=True)
    raw_request = models.TextField(blank=True)
    raw_response = models.TextField(blank=True)
    is_ok = models.BooleanField(default=False)
    created_date = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["channel", "is_ok", "id"], name="errorreport_channel_ok_idx"),
            models.Index(fields=["channel", "error_code"], name="errorreport_code_idx"),
        ]

    def __str__(self) -> str:
        return self.error_code


class LocationErrorReport(models.Model):
    """A channel's country, city, township or district that no location of ours matched."""

    class Type(models.TextChoices):
        COUNTRY = "country"
        CITY = "city"
        TOWNSHIP = "township"
        DISTRICT = "district"

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+")
    type = models.CharField(max_length=16, choices=Type.choices)
    remote_code = models.CharField(max_length=255, help_text="The channel's value, e.g. 1_İstanbul.")
    country_pk = models.PositiveBigIntegerField(null=True, blank=True, help_text="As sent (country_id).")
    integration_type = models.CharField(max_length=32, blank=True)
    err_code = models.CharField(max_length=64, blank=True)
    err_desc = models.TextField(blank=True)
    created_date = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["channel", "type", "id"], name="locationerror_type_idx")]

    def __str__(self) -> str:
        return f"{self.type} {self.remote_code}"


class OperationalEvent(models.Model):
    """An integration's structured log line (channel-app sends one after each error report)."""

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+")
    event_type = models.CharField(max_length=64)
    level = models.CharField(max_length=16)
    source = models.CharField(max_length=64, blank=True)
    message = models.TextField(blank=True)
    context = models.JSONField(default=dict, blank=True)
    tags = models.JSONField(default=dict, blank=True)
    action_content_type = models.CharField(max_length=64, blank=True, help_text="A model name.")
    action_object_id = models.PositiveBigIntegerField(null=True, blank=True)
    trace_id = models.CharField(max_length=64, blank=True)
    span_id = models.CharField(max_length=64, blank=True)
    parent_span_id = models.CharField(max_length=64, blank=True)
    raw_data = models.JSONField(null=True, blank=True)
    created_date = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["channel", "level", "id"], name="operationalevent_level_idx")]

    def __str__(self) -> str:
        return f"{self.level} {self.event_type}"


class CancellationRequest(Timestamped):
    """A customer's request, relayed by the channel, to cancel or refund one order item; decided
    on our side (approved or rejected), which the integration then reports back."""

    class Type(models.TextChoices):
        CANCEL = "cancel"
        REFUND = "refund"

    class Status(models.TextChoices):
        WAITING_APPROVAL = "waiting_approval"
        APPROVED = "approved"
        REJECTED = "rejected"
        CONFIRMED = "confirmed"
        COMPLETED = "completed"

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+")
    order_item = models.ForeignKey(OrderItem, on_delete=models.PROTECT, related_name="cancellation_requests")
    reason = models.ForeignKey(CancellationReason, on_delete=models.PROTECT, related_name="+")
    cancellation_type = models.CharField(max_length=8, choices=Type.choices, default=Type.CANCEL)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.WAITING_APPROVAL)
    description = models.TextField(blank=True)
    remote_id = models.CharField(max_length=255, null=True, blank=True, help_text="The channel's id.")

    class Meta:
        ordering = ["id"]
        constraints = [
            # A channel sends the same request on every sync: its id makes the create idempotent.
            models.UniqueConstraint(
                fields=["channel", "remote_id"],
                condition=models.Q(remote_id__isnull=False),
                name="cancellationrequest_unique_remote",
            ),
        ]
        indexes = [
            models.Index(fields=["channel", "modified_date", "id"], name="cancelrequest_modified_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.cancellation_type} request {self.pk} for item {self.order_item_id}"


class OrderShippingInfo(Timestamped):
    """The carrier an order ships with and whether the channel was told (`is_send`)."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="shipping_info")
    order_number = models.CharField(max_length=128)
    shipping_company = models.ForeignKey(CargoCompany, on_delete=models.PROTECT, related_name="+")
    is_send = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"shipping of order {self.order_number}"
