"""Products (shared by all channels), the channel's price and stock lists, and datasources."""

from django.db import models

from oms.channels.models import Channel
from oms.core.models import Named, Timestamped, money_field, rate_field


class Product(Timestamped):
    sku = models.CharField(max_length=128, unique=True)
    name = models.CharField(max_length=255)
    base_code = models.CharField(max_length=128, blank=True, db_index=True)
    barcode = models.CharField(max_length=128, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"


class Datasource(Named, Timestamped):
    """Who supplies an item: the shop itself or a marketplace seller (shared by all channels)."""

    name = models.CharField(max_length=128)
    code = models.SlugField(max_length=64, unique=True)
    is_active = models.BooleanField(default=True)


class PriceList(Named, Timestamped):
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="price_lists")
    name = models.CharField(max_length=128)
    code = models.CharField(max_length=64, blank=True)
    currency = models.CharField(max_length=3, default="try")
    is_active = models.BooleanField(default=True)


class ProductPrice(Timestamped):
    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="prices")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="prices")
    price = money_field()
    retail_price = money_field(null=True, blank=True)
    tax_rate = rate_field(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["price_list", "product"], name="productprice_unique_list_product"
            ),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="productprice_price_not_negative"),
        ]


class StockList(Named, Timestamped):
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="stock_lists")
    name = models.CharField(max_length=128)
    code = models.CharField(max_length=64, blank=True)
    is_active = models.BooleanField(default=True)


class ProductStock(Timestamped):
    """A product's stock in one stock list. `stock` is the ERP's physical figure;
    `sold_quantity_unreported` the units orders reserved that the ERP has not confirmed yet
    (Omnitron's name), changed only by `catalog.services.stock`; what may still be sold is
    `adjusted_stock`, their difference, which a `reserve` channel may take below zero."""

    class UnitType(models.TextChoices):
        QTY = "qty", "pieces"
        KG = "kg", "kilograms"

    # Every reservation updates the row and, since modified_date (indexed) moves, enters each of
    # its indexes again: the stock list is indexed by productstock_unique_list_product, whose
    # leading column it is, and no reader asks for rows by created_date (not a filter of the stock
    # endpoints, nor an order), so neither has an index of its own.
    created_date = models.DateTimeField(auto_now_add=True)
    stock_list = models.ForeignKey(StockList, on_delete=models.CASCADE, related_name="stocks", db_index=False)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="stocks")
    stock = models.IntegerField(default=0)
    sold_quantity_unreported = models.IntegerField(
        default=0, help_text="Units reserved by orders the ERP has not confirmed yet."
    )
    unit_type = models.CharField(max_length=3, choices=UnitType.choices, default=UnitType.QTY)

    @property
    def adjusted_stock(self) -> int:
        return self.stock - self.sold_quantity_unreported

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["stock_list", "product"], name="productstock_unique_list_product"
            ),
        ]
