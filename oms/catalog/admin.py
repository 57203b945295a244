"""The catalog: products, datasources, price and stock lists with their rows."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from oms.catalog.models import Datasource, PriceList, Product, ProductPrice, ProductStock, StockList
from oms.core.admin import register_table

register_table(
    Product,
    ["id", "sku", "name", "base_code", "barcode", "is_active", "modified_date"],
    filters=["is_active"],
    search=["sku", "barcode", "base_code", "name"],
)
register_table(
    Datasource, ["id", "name", "code", "is_active"], filters=["is_active"], search=["code", "name"]
)


def _rows_link(model: type, list_field: str, obj, label: str):
    url = reverse(f"admin:catalog_{model._meta.model_name}_changelist")
    return format_html('<a href="{}?{}__id__exact={}">{}</a>', url, list_field, obj.pk, label)


@admin.register(PriceList)
class PriceListAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "code", "channel", "currency", "is_active", "prices"]
    list_filter = ["channel", "is_active"]
    list_select_related = ["channel"]
    search_fields = ["code", "name"]
    readonly_fields = ["created_date", "modified_date", "prices"]

    @admin.display(description="prices")
    def prices(self, obj: PriceList):
        return _rows_link(ProductPrice, "price_list", obj, "prices")


register_table(
    ProductPrice,
    ["id", "price_list", "product", "price", "retail_price", "tax_rate", "modified_date"],
    filters=["price_list"],
    search=["product__sku", "price_list__code"],
    autocomplete_fields=["price_list", "product"],
)


@admin.register(StockList)
class StockListAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "code", "channel", "is_active", "stocks"]
    list_filter = ["channel", "is_active"]
    list_select_related = ["channel"]
    search_fields = ["code", "name"]
    readonly_fields = ["created_date", "modified_date", "stocks"]

    @admin.display(description="stock")
    def stocks(self, obj: StockList):
        return _rows_link(ProductStock, "stock_list", obj, "stock")


register_table(
    ProductStock,
    ["id", "stock_list", "product", "quantity", "modified_date"],
    filters=["stock_list"],
    search=["product__sku", "stock_list__code"],
    autocomplete_fields=["stock_list", "product"],
)
