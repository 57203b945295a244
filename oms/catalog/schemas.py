"""The wire contract of the catalog: products, prices of a price list, stock of a stock list, and
their bulk upserts. Create and update share one schema per row; the services decide what a create
requires. Unknown fields are refused (the catalog team's tools, not Omnitron's clients, send these).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from oms.core.answers import ChannelRowOut, DateTimeOut, From, MoneyOut, RowOut, example
from oms.core.wire import Id, JsonObject, Money, Rate, integer, text

MAX_BULK_ROWS = 1000


Quantity = integer(0, 2**31 - 1)
Sku = Annotated[text(128, min_length=1, key=True), Field(pattern=r"^\S(.*\S)?$")]


class CatalogIn(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)


class ProductIn(CatalogIn):
    """A product, shared by every channel; `sku` is its natural key."""

    sku: Sku | None = None
    name: text(255, min_length=1) | None = None
    base_code: text(128, key=True) | None = None
    barcode: text(128, key=True) | None = None
    attributes: JsonObject | None = None
    is_active: bool | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "sku": "TSHIRT-RED-M",
                    "name": "T-shirt, red, M",
                    "base_code": "TSHIRT-RED",
                    "barcode": "8690000000001",
                    "attributes": {"color": "red", "size": "M"},
                }
            ]
        }
    )


class ListRowIn(CatalogIn):
    """A row of a price or stock list, keyed by (list, product): the product by `product` (its
    id) or by `sku`."""

    product: Id | None = None
    sku: Sku | None = None


class PriceIn(ListRowIn):
    price: Money | None = None
    retail_price: Money | None = None
    tax_rate: Rate | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"sku": "TSHIRT-RED-M", "price": "199.90", "retail_price": "249.90", "tax_rate": "20"}
            ]
        }
    )


class StockIn(ListRowIn):
    """The ERP's figure for a product. `quantity` is the former name of `stock`, still read (from
    the catalog tools and CSV files written before the rename); sending both is refused.
    Reservations (`sold_quantity_unreported`) are never set here: orders make them."""

    stock: Quantity | None = None
    quantity: Quantity | None = Field(None, description="Former name of stock (deprecated).")
    unit_type: Literal["qty", "kg"] | None = None

    model_config = ConfigDict(json_schema_extra={"examples": [{"sku": "TSHIRT-RED-M", "stock": 12}]})


class BulkIn(BaseModel):
    """Up to 1,000 rows, all validated before anything is written, then written in one transaction.

    `error_policy` as for orders' bulk create: `reject_everything` (the default), one bad row and
    nothing is written (400 naming every bad row); `reject_failed`, the good rows are written and
    the bad ones reported.
    """

    model_config = ConfigDict(extra="forbid")

    rows: Annotated[list[Any], Field(max_length=MAX_BULK_ROWS)]
    error_policy: Literal["reject_everything", "reject_failed"] = "reject_everything"


class ProductBulkIn(BulkIn):
    rows: Annotated[list[ProductIn], Field(max_length=MAX_BULK_ROWS)]

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"rows": [{"sku": "TSHIRT-RED-M", "name": "T-shirt, red, M"}]}]}
    )


class PriceBulkIn(BulkIn):
    rows: Annotated[list[PriceIn], Field(max_length=MAX_BULK_ROWS)]

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"rows": [{"sku": "TSHIRT-RED-M", "price": 199.9}]}]}
    )


class StockBulkIn(BulkIn):
    rows: Annotated[list[StockIn], Field(max_length=MAX_BULK_ROWS)]

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"rows": [{"sku": "TSHIRT-RED-M", "stock": 12}]}]}
    )


# What a client may send back from an answer: dropped, never "unknown".
READ_ONLY = frozenset({"pk", "id", "created_date", "modified_date", "price_list", "stock_list"})


class ProductOut(RowOut):
    sku: str
    name: str
    base_code: str
    barcode: str
    attributes: dict[str, Any]
    is_active: bool
    created_date: DateTimeOut
    modified_date: DateTimeOut

    model_config = example(
        4,
        sku="TSHIRT-RED-M",
        name="T-shirt, red, M",
        base_code="TSHIRT-RED",
        barcode="8690000000001",
        attributes={"color": "red", "size": "M"},
        is_active=True,
    )


class PriceOut(RowOut):
    """`price.product` is read (for its sku): select it with the price."""

    price_list: Annotated[int, From("price_list_id")]
    product: Annotated[int, From("product_id")]
    sku: Annotated[str, From("product.sku")]
    price: MoneyOut
    retail_price: MoneyOut | None
    tax_rate: MoneyOut
    created_date: DateTimeOut
    modified_date: DateTimeOut

    model_config = example(
        12, price_list=1, product=4, sku="TSHIRT-RED-M", price=199.9, retail_price=249.9, tax_rate=20.0
    )


class StockOut(RowOut):
    """`stock.product` is read (for its sku): select it with the stock."""

    stock_list: Annotated[int, From("stock_list_id")]
    product: Annotated[int, From("product_id")]
    sku: Annotated[str, From("product.sku")]
    stock: int = Field(description="The physical figure, as the ERP last sent it.")
    sold_quantity_unreported: int = Field(description="Units reserved by orders the ERP has not confirmed.")
    adjusted_stock: int = Field(description="stock - sold_quantity_unreported: what may still be sold.")
    unit_type: Literal["qty", "kg"]
    created_date: DateTimeOut
    modified_date: DateTimeOut

    model_config = example(
        12,
        stock_list=1,
        product=4,
        sku="TSHIRT-RED-M",
        stock=12,
        sold_quantity_unreported=2,
        adjusted_stock=10,
        unit_type="qty",
    )


class StockListOut(ChannelRowOut):
    """A stock list of the channel."""

    name: str
    code: str
    is_active: bool
    created_date: DateTimeOut
    modified_date: DateTimeOut

    model_config = example(1, channel=1, name="Web stock", code="stock-1", is_active=True)


class PriceListOut(StockListOut):
    """A price list of the channel, with its currency."""

    currency: str

    model_config = example(1, channel=1, name="Web prices", code="prices-1", is_active=True, currency="try")


class BulkRowOut(BaseModel):
    index: int = Field(description="Index of the row in the request, from 0.")
    status: Literal["created", "updated", "rejected"] = Field(
        description="rejected: the row has errors, or (reject_everything) another row had and nothing was written"
    )
    pk: int | None = None
    sku: str | None = Field(None, description="The row's product.")
    errors: list[dict[str, str]] = Field(default_factory=list)


class BulkOut(BaseModel):
    summary: dict[str, int] = Field(description="Rows by status: created, updated, rejected.")
    results: list[BulkRowOut]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "summary": {"created": 1, "updated": 1, "rejected": 0},
                    "results": [
                        {"index": 0, "status": "created", "pk": 4, "sku": "TSHIRT-RED-M", "errors": []},
                        {"index": 1, "status": "updated", "pk": 2, "sku": "DEMO-MUG", "errors": []},
                    ],
                }
            ]
        }
    )
