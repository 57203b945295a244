"""Orders for operators: what arrived, read-only. Orders change only through the services (the
API, or admin actions that call them), never by editing rows here."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models

from oms.core.csv_export import CsvExportMixin
from oms.core.errors import DomainError
from oms.orders.enums import OrderStatus
from oms.orders.models import CancellationReason, Order, OrderHistory, OrderItem
from oms.orders.services.manage import Actor, cancel_order, change_order_status

# The order page, grouped; fields not named here (added later) are shown under "Other".
_ORDER_GROUPS: list[tuple[str | None, list[str]]] = [
    (
        None,
        [
            "number",
            "channel",
            "status",
            "date_placed",
            "customer",
            "shipping_address",
            "billing_address",
            "currency",
            "amount",
            "totals_mismatch",
            "totals_computed",
            "oversold",
        ],
    ),
    (
        "Payment",
        [
            "payment_option",
            "payment_option_slug",
            "checkout_provider",
            "bin_number",
            "installment",
            "installment_count",
            "installment_interest_amount",
            "funds_transfer_transactions",
            "discount_amount",
            "refund_amount",
            "discount_refund_amount",
            "shipping_refund_amount",
        ],
    ),
    (
        "Shipping",
        [
            "cargo_company",
            "delivery_type",
            "shipping_amount",
            "shipping_tax_rate",
            "net_shipping_amount",
            "shipping_interest_amount",
            "tracking_number",
            "carrier_shipping_code",
            "defined_tracking_url",
            "shipping_option_slug",
            "delivery_range_start",
            "delivery_range_end",
            "is_send",
            "has_gift_box",
            "gift_box_note",
        ],
    ),
    ("Invoice", ["invoice_number", "invoice_date", "e_archive_url"]),
    (
        "Channel data",
        [
            "extra_field",
            "remote_addr",
            "external_status",
            "client_type",
            "language_code",
            "segment",
            "notes",
            "cancellation_info",
        ],
    ),
    ("Record", ["created_date", "modified_date", "payload_hash"]),
]
# Every row an order's page links to.
_ORDER_FOREIGN_KEYS = [field.name for field in Order._meta.concrete_fields if field.many_to_one]


class ReadOnlyAdminMixin:
    """Rows that only the services write: operators may look, not add, change or delete."""

    # The forms Django still builds for the read-only page (and its filters): https, as Django 6
    # assumes, instead of its deprecated http default.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class OrderItemInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = OrderItem
    fk_name = "order"
    fields = [
        "product",
        "product_sku",
        "product_name",
        "status",
        "cancel_status",
        "quantity",
        "price",
        "unit_price",
        "total_price",
        "tax_rate",
        "discount_amount",
        "price_list",
        "stock_list",
        "reserved_stock",
        "oversold",
        "stock_released",
        "tracking_number",
    ]
    readonly_fields = fields
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("product", "price_list", "stock_list", "reserved_stock__product")
        )


class OrderHistoryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = OrderHistory
    fields = ["created_date", "kind", "item", "from_value", "to_value", "reason", "note", "actor"]
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reason")


def _move_items_to(status: str):
    """An admin action moving the selected orders' items to `status`."""

    @admin.action(description=f"Move items to {status}")
    def action(self, request, queryset):
        self._change_status(request, queryset, status)

    return action


@admin.register(Order)
class OrderAdmin(CsvExportMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "number",
        "channel",
        "status",
        "amount",
        "currency",
        "customer",
        "date_placed",
        "totals_mismatch",
        "oversold",
    ]
    list_filter = ["channel", "status", "date_placed", "totals_mismatch", "oversold", "is_send"]
    list_select_related = ["channel", "customer"]
    search_fields = ["number", "customer__email"]
    date_hierarchy = "date_placed"
    # No COUNT(*) over every order on each page of the list.
    show_full_result_count = False
    inlines = [OrderItemInline, OrderHistoryInline]
    actions = ["approve", "mark_preparing", "mark_shipped", "mark_delivered", "cancel_all_items"]

    # Actions change orders only through the services the API uses, one order at a time (each
    # its own transaction with the order row locked), and report each refusal to the operator.
    approve = _move_items_to(OrderStatus.APPROVED)
    mark_preparing = _move_items_to(OrderStatus.PREPARING)
    mark_shipped = _move_items_to(OrderStatus.SHIPPED)
    mark_delivered = _move_items_to(OrderStatus.DELIVERED)

    @admin.action(description="Cancel every active item (first active cancel reason)")
    def cancel_all_items(self, request, queryset):
        reason = (
            CancellationReason.objects.filter(
                is_active=True, cancellation_type=CancellationReason.CancellationType.CANCEL
            )
            .order_by("id")
            .first()
        )
        if reason is None:
            self.message_user(request, "No active cancellation reason exists.", messages.ERROR)
            return
        self._apply(
            request,
            queryset,
            lambda order, actor: cancel_order(
                channel=order.channel,
                order_id=order.pk,
                payload={"is_all": True, "reason": reason.pk},
                actor=actor,
            ),
        )

    def _change_status(self, request, queryset, status: str) -> None:
        self._apply(
            request,
            queryset,
            lambda order, actor: change_order_status(
                channel=order.channel, order_id=order.pk, status=status, actor=actor, note="admin action"
            ),
        )

    def _apply(self, request, queryset, change) -> None:
        actor = Actor.for_user(request.user)
        done = 0
        for order in queryset.select_related("channel"):
            try:
                change(order, actor)
                done += 1
            except DomainError as error:
                self.message_user(request, f"Order {order.number}: {error.detail}", messages.ERROR)
        if done:
            self.message_user(request, f"{done} order(s) changed.", messages.SUCCESS)

    def get_fieldsets(self, request, obj=None):
        named = {name for _, names in _ORDER_GROUPS for name in names}
        others = [
            field.name
            for field in Order._meta.get_fields()
            if field.concrete and not field.auto_created and field.name not in named
        ]
        groups = [*_ORDER_GROUPS, ("Other", others)] if others else _ORDER_GROUPS
        return [(title, {"fields": names}) for title, names in groups]

    def get_object(self, request, object_id, from_field=None):
        # One query for the order and every row its page links to.
        queryset = self.get_queryset(request).select_related(*_ORDER_FOREIGN_KEYS)
        model = queryset.model
        field = model._meta.pk if from_field is None else model._meta.get_field(from_field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})
        except (model.DoesNotExist, ValidationError, ValueError):
            return None


@admin.register(OrderItem)
class OrderItemAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "order",
        "product_sku",
        "product_name",
        "status",
        "cancel_status",
        "price",
        "quantity",
        "oversold",
        "stock_released",
    ]
    list_filter = ["status", "cancel_status", "oversold", "stock_released"]
    list_select_related = ["order"]
    search_fields = ["=order__number", "product_sku"]
    show_full_result_count = False


@admin.register(OrderHistory)
class OrderHistoryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "order",
        "item",
        "kind",
        "from_value",
        "to_value",
        "reason",
        "actor",
        "created_date",
    ]
    list_filter = ["kind"]
    list_select_related = ["order", "reason"]
    search_fields = ["=order__number", "actor"]
    show_full_result_count = False


@admin.register(CancellationReason)
class CancellationReasonAdmin(admin.ModelAdmin):
    list_display = ["id", "reason", "code", "cancellation_type", "is_active", "sort_order"]
    list_filter = ["cancellation_type", "is_active"]
    search_fields = ["code", "reason"]
    readonly_fields = ["created_date", "modified_date"]
