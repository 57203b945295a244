"""Integrations in the admin: the channel configuration and catalogs operators set up before a
channel's integration runs, and what its runs left behind, to read (reports, batches) or to fix
(integration actions, cancellation request decisions)."""

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from oms.core.admin import ShownInline, register_table
from oms.core.errors import DomainError
from oms.integrations.models import (
    BatchRequest,
    CancellationRequest,
    Catalog,
    CatalogItem,
    CategoryNode,
    CategoryTree,
    ChannelConf,
    ErrorReport,
    IntegrationAction,
    LocationErrorReport,
    OperationalEvent,
    OrderShippingInfo,
    ProductCategory,
)
from oms.integrations.services.actions import refresh_linked_products
from oms.integrations.services.batches import update_batch_request
from oms.integrations.services.cancellations import decide_cancellation_request
from oms.integrations.services.categories import create_category_node


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by integrations: shown, never edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


register_table(ChannelConf, ["channel", "modified_date"])
register_table(
    Catalog, ["id", "name", "channel", "price_list", "stock_list"], filters=["channel"], search=["name"]
)
# What each channel sells: adding a product here puts it in the channel's product feed, deleting
# it reports it deleted to the channel.
register_table(
    CatalogItem,
    ["id", "catalog", "product", "created_date"],
    filters=["catalog"],
    search=["=product__sku", "product__name"],
    raw_id_fields=["product"],
)
register_table(CategoryTree, ["id", "name", "modified_date"], search=["name"])
register_table(
    ProductCategory,
    ["id", "product", "category"],
    filters=["category__tree"],
    search=["=product__sku", "category__name"],
    raw_id_fields=["product", "category"],
)


@admin.register(CategoryNode)
class CategoryNodeAdmin(admin.ModelAdmin):
    """Nodes are numbered by the service (their path follows their parent's); a node keeps its
    place once made, so its path and its descendants' stay right."""

    list_display = ["id", "name", "path", "tree", "parent"]
    list_filter = ["tree"]
    search_fields = ["name", "=path"]
    raw_id_fields = ["parent"]
    readonly_fields = ["path", "created_date", "modified_date"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return self.readonly_fields + (["tree", "parent"] if obj is not None else [])

    def save_model(self, request: HttpRequest, obj: CategoryNode, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = create_category_node(tree=obj.tree, parent=obj.parent, name=obj.name)
        obj.pk, obj.path = created.pk, created.path


@admin.register(IntegrationAction)
class IntegrationActionAdmin(admin.ModelAdmin):
    list_display = ["id", "channel", "content_type", "object_id", "remote_id", "status", "version_date"]
    list_filter = ["channel", "content_type", "status"]
    list_select_related = ["channel", "content_type"]
    search_fields = ["remote_id", "=object_id"]
    raw_id_fields = ["batch_request"]
    readonly_fields = ["created_date", "modified_date"]

    # A product's link decides whether the product feeds read its catalog items (services.pending).
    def save_model(self, request: HttpRequest, obj: IntegrationAction, form, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            linked = (form.initial.get("content_type"), form.initial.get("object_id"))  # before the change
            refresh_linked_products(obj.channel_id, [linked, (obj.content_type_id, obj.object_id)])

    def delete_model(self, request: HttpRequest, obj: IntegrationAction) -> None:
        with transaction.atomic():
            super().delete_model(request, obj)
            refresh_linked_products(obj.channel_id, [(obj.content_type_id, obj.object_id)])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[IntegrationAction]) -> None:
        with transaction.atomic():
            actions = list(queryset)
            super().delete_queryset(request, queryset)
            for action in actions:
                refresh_linked_products(action.channel_id, [(action.content_type_id, action.object_id)])


class IntegrationActionInline(ShownInline):
    model = IntegrationAction
    fields = ["content_type", "object_id", "remote_id", "status", "failed_reason_type", "version_date"]


@admin.register(BatchRequest)
class BatchRequestAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "channel",
        "content_type",
        "status",
        "local_batch_id",
        "created_date",
        "modified_date",
    ]
    list_filter = ["channel", "status", "content_type"]
    list_select_related = ["channel", "content_type"]
    search_fields = ["=local_batch_id", "remote_batch_id"]
    inlines = [IntegrationActionInline]
    actions = ["fail"]

    @admin.action(
        description="Fail the selected batches (a run that died): their objects are handed out again"
    )
    def fail(self, request: HttpRequest, queryset: QuerySet[BatchRequest]) -> None:
        for batch in queryset.select_related("channel"):
            try:
                update_batch_request(
                    channel=batch.channel, pk=batch.pk, payload={"status": BatchRequest.Status.FAIL}
                )
            except DomainError as error:
                self.message_user(request, f"Batch request {batch.pk}: {error.detail}", messages.WARNING)


register_table(
    ErrorReport,
    ["id", "channel", "error_code", "error_desc", "is_ok", "created_date"],
    filters=["channel", "is_ok"],
    search=["error_code", "error_desc"],
    base=ReadOnlyAdmin,
)
register_table(
    LocationErrorReport,
    ["id", "channel", "type", "remote_code", "err_code", "created_date"],
    filters=["channel", "type"],
    search=["remote_code"],
    base=ReadOnlyAdmin,
)
register_table(
    OperationalEvent,
    ["id", "channel", "level", "event_type", "message", "created_date"],
    filters=["channel", "level", "event_type"],
    search=["message", "event_type"],
    base=ReadOnlyAdmin,
)


@admin.register(CancellationRequest)
class CancellationRequestAdmin(ReadOnlyAdmin):
    list_display = ["id", "channel", "order_item", "cancellation_type", "status", "reason", "remote_id"]
    list_filter = ["channel", "status", "cancellation_type"]
    list_select_related = ["channel", "reason"]
    search_fields = ["remote_id", "=order_item__id"]
    actions = ["approve", "reject"]

    @admin.action(description="Approve the selected cancellation requests")
    def approve(self, request: HttpRequest, queryset: QuerySet[CancellationRequest]) -> None:
        self._decide(request, queryset, CancellationRequest.Status.APPROVED)

    @admin.action(description="Reject the selected cancellation requests")
    def reject(self, request: HttpRequest, queryset: QuerySet[CancellationRequest]) -> None:
        self._decide(request, queryset, CancellationRequest.Status.REJECTED)

    def _decide(self, request: HttpRequest, queryset: QuerySet[CancellationRequest], status: str) -> None:
        for cancellation in queryset.select_related("channel"):
            try:
                decide_cancellation_request(request=cancellation, payload={"status": status})
            except DomainError as error:
                self.message_user(request, f"Request {cancellation.pk}: {error.detail}", messages.WARNING)


register_table(
    OrderShippingInfo,
    ["id", "order_number", "shipping_company", "is_send", "modified_date"],
    filters=["is_send", "shipping_company"],
    search=["order_number"],
    base=ReadOnlyAdmin,
)
