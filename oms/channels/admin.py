"""Channels and their configuration: listed, searched by their natural key, edited by operators."""

from django.contrib import admin

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


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "code", "is_active", "status_format", "totals_check", "strict_fields"]
    list_filter = ["is_active", "status_format", "totals_check"]
    search_fields = ["code", "name"]
    readonly_fields = ["created_date", "modified_date"]


@admin.register(PaymentOption)
class PaymentOptionAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "slug", "channel", "first_refund_strategy", "is_active"]
    list_filter = ["channel", "is_active"]
    list_select_related = ["channel"]
    search_fields = ["slug", "name"]
    readonly_fields = ["created_date", "modified_date"]


@admin.register(CargoCompany)
class CargoCompanyAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "code", "erp_code", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "erp_code", "name"]
    readonly_fields = ["created_date", "modified_date"]


@admin.register(CheckoutProvider)
class CheckoutProviderAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "slug", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["slug", "name"]
    readonly_fields = ["created_date", "modified_date"]


class ChannelScopedNamedAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "code", "channel"]
    list_filter = ["channel"]
    list_select_related = ["channel"]
    search_fields = ["code", "name"]
    readonly_fields = ["created_date", "modified_date"]


admin.site.register(OrderExternalStatus, ChannelScopedNamedAdmin)
admin.site.register(ShippingOptionGroup, ChannelScopedNamedAdmin)
admin.site.register(Reconciliation, ChannelScopedNamedAdmin)


@admin.register(FundsTransferTransaction)
class FundsTransferTransactionAdmin(admin.ModelAdmin):
    list_display = ["id", "reference", "channel", "amount", "currency", "created_date"]
    list_filter = ["channel", "currency"]
    list_select_related = ["channel"]
    search_fields = ["reference"]
    readonly_fields = ["created_date", "modified_date"]
