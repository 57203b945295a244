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


def _list_admin(model: type, rows: type, list_field: str, column: str, label: str, *shown: str) -> None:
    """A price or stock list, with a link to its rows."""

    @admin.display(description=label)
    def link(self, obj):
        url = reverse(f"admin:catalog_{rows._meta.model_name}_changelist")
        return format_html('<a href="{}?{}__id__exact={}">{}</a>', url, list_field, obj.pk, label)

    register_table(
        model,
        ["id", "name", "code", "channel", *shown, "is_active", column],
        filters=["channel", "is_active"],
        search=["code", "name"],
        readonly_fields=["created_date", "modified_date", column],
        **{column: link},
    )


_list_admin(PriceList, ProductPrice, "price_list", "prices", "prices", "currency")
_list_admin(StockList, ProductStock, "stock_list", "stocks", "stock")


register_table(
    ProductPrice,
    ["id", "price_list", "product", "price", "retail_price", "tax_rate", "modified_date"],
    filters=["price_list"],
    search=["product__sku", "price_list__code"],
    autocomplete_fields=["price_list", "product"],
)


class StockAdmin(admin.ModelAdmin):
    """Reservations change only through orders (catalog.services.stock), never by hand: the
    form shows them read-only and a change saves only the fields it edits, so that a reservation
    made while the form was open is not overwritten with the figure the form loaded."""

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=[*form.changed_data, "modified_date"])
        else:
            obj.save()


register_table(
    ProductStock,
    [
        "id",
        "stock_list",
        "product",
        "stock",
        "sold_quantity_unreported",
        "adjusted_stock",
        "unit_type",
        "modified_date",
    ],
    filters=["stock_list", "unit_type"],
    search=["product__sku", "stock_list__code"],
    autocomplete_fields=["stock_list", "product"],
    base=StockAdmin,
    readonly_fields=["sold_quantity_unreported", "created_date", "modified_date"],
)
