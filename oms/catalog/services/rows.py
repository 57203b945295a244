"""One catalog row on its way in: how each kind (product, price, stock) is read from the wire,
checked against the database in batches, and saved with the database deciding uniqueness."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import Q

from oms.catalog.models import Product, ProductPrice, ProductStock
from oms.catalog.schemas import READ_ONLY, CatalogIn, PriceIn, ProductIn, StockIn
from oms.core.errors import ErrorCode, Problem, ValidationFailed
from oms.core.payload import parse_payload


@dataclass(frozen=True)
class Table:
    """How one kind of catalog row is read from the wire and written."""

    noun: str
    model: type[models.Model]
    schema: type[CatalogIn]
    fields: tuple[str, ...]  # value fields a row may set
    required: tuple[str, ...]  # ... and those a new row must set
    null_as: dict[str, Any]  # fields where null is allowed, and what it stores
    renamed: dict[str, str] = field(default_factory=dict)  # a former field name -> the field now


PRODUCTS = Table(
    "product",
    Product,
    ProductIn,
    fields=("sku", "name", "base_code", "barcode", "attributes", "is_active"),
    required=("sku", "name"),
    null_as={"base_code": "", "barcode": "", "attributes": {}},
)
PRICES = Table(
    "price",
    ProductPrice,
    PriceIn,
    fields=("price", "retail_price", "tax_rate"),
    required=("price",),
    null_as={"retail_price": None},
)
# An ERP upsert sets the physical figure only: reservations belong to catalog.services.stock.
STOCKS = Table(
    "stock",
    ProductStock,
    StockIn,
    fields=("stock", "unit_type"),
    required=("stock",),
    null_as={},
    renamed={"quantity": "stock"},
)


@dataclass
class Row:
    """One row of a request while it is checked: its data, its problems, what it resolves to."""

    index: int
    prefix: str
    data: Any = None
    given: set[str] = field(default_factory=set)
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    product: Product | None = None  # the row's product (list rows)
    existing: models.Model | None = None

    def has_problem(self, name: str) -> bool:
        return any(problem.path == f"{self.prefix}{name}" for problem in self.problems)

    def problem(self, name: str, code: ErrorCode, message: str) -> None:
        """Add a problem, unless the field already has one (found by the schema)."""
        if not self.has_problem(name):
            self.problems.append(Problem(f"{self.prefix}{name}", code, message))


def parse_row(table: Table, raw: Any, index: int, prefix: str) -> Row:
    row = Row(index=index, prefix=prefix)
    parsed = parse_payload(table.schema, raw, strict_fields=True, read_only=READ_ONLY, prefix=prefix)
    row.problems += parsed.problems
    # A row with problems is still checked as far as its valid fields allow.
    row.data, row.given = parsed.readable, parsed.given
    if row.data is None:
        return row
    for old, new in table.renamed.items():
        if old in row.given and new in row.given:
            row.problem(old, ErrorCode.INVALID, f"{old} is the former name of {new}: send {new} only.")
        elif old in row.given:
            setattr(row.data, new, getattr(row.data, old))
            row.given = (row.given - {old}) | {new}
    for name in table.fields:
        if name not in row.given:
            continue
        value = getattr(row.data, name)
        if value is None and name not in table.null_as:
            row.problem(name, ErrorCode.REQUIRED, "This field may not be null.")
        else:
            row.values[name] = table.null_as[name] if value is None else value
    return row


def require_new_fields(table: Table, rows: Sequence[Row]) -> None:
    for row in rows:
        if row.data is not None and row.existing is None:
            for name in table.required:
                if name not in row.values:
                    row.problem(name, ErrorCode.REQUIRED, f"This field is required to create a {table.noun}.")


def resolve_products(rows: Sequence[Row]) -> None:
    """Each list row's product, by id or sku, in one query for all rows."""
    ids = {row.data.product for row in rows if row.data is not None and row.data.product is not None}
    skus = {row.data.sku for row in rows if row.data is not None and row.data.sku is not None}
    found = list(Product.objects.filter(Q(pk__in=ids) | Q(sku__in=skus))) if ids or skus else []
    by_id = {product.pk: product for product in found}
    by_sku = {product.sku: product for product in found}
    for row in rows:
        if row.data is None:
            continue
        pk, sku = row.data.product, row.data.sku
        if pk is None and sku is None:
            if row.has_problem("sku"):
                continue
            row.problem("product", ErrorCode.REQUIRED, "Name the product by its id (product) or its sku.")
        elif pk is not None and pk not in by_id:
            row.problem("product", ErrorCode.NOT_FOUND, f"Product {pk} does not exist.")
        elif sku is not None and sku not in by_sku:
            row.problem("sku", ErrorCode.NOT_FOUND, f"No product has sku {sku}.")
        elif pk is not None and sku is not None and by_id[pk].sku != sku:
            row.problem("sku", ErrorCode.MISMATCH, f"Product {pk} has sku {by_id[pk].sku}, not {sku}.")
        else:
            row.product = by_id[pk] if pk is not None else by_sku[sku]


def save_row(instance: models.Model, table: Table, update_fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():
            instance.save(update_fields=update_fields)
    except IntegrityError:
        # The table's one unique constraint: the product's sku, a list row's (list, product).
        if table is PRODUCTS:
            problem = Problem(
                "sku", ErrorCode.DUPLICATE, f"A product with sku {instance.sku} already exists."
            )
        else:
            problem = Problem(
                "product",
                ErrorCode.DUPLICATE,
                f"This list already has a {table.noun} for product {instance.product_id}; "
                "change it (PATCH) or use bulk_upsert.",
            )
        raise ValidationFailed(problem) from None


def raise_if_problems(rows: Sequence[Row]) -> None:
    problems = [problem for row in rows for problem in row.problems]
    if problems:
        raise ValidationFailed(problems)
