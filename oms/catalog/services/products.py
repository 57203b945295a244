"""Products: shared by every channel, keyed by sku."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from oms.catalog.models import Product
from oms.catalog.services.rows import PRODUCTS, parse_row, raise_if_problems, require_new_fields, save_row
from oms.core.deletion import delete_unreferenced
from oms.core.lookup import get_row


def list_products() -> QuerySet[Product]:
    return Product.objects.all()


def get_product(*, pk: int) -> Product:
    return get_row(Product.objects.all(), pk, label="Product")


@transaction.atomic
def create_product(*, payload: Any) -> Product:
    """Create a product; ValidationFailed for the schema's problems, a missing sku or name, or a
    sku that exists (decided by the database's unique constraint)."""
    row = parse_row(PRODUCTS, payload, 0, "")
    require_new_fields(PRODUCTS, [row])
    raise_if_problems([row])
    product = Product(**row.values)
    save_row(product, PRODUCTS)
    return product


@transaction.atomic
def update_product(*, product: Product, payload: Any) -> Product:
    """Change the fields sent (PATCH and PUT are both partial); a new sku must be free."""
    row = parse_row(PRODUCTS, payload, 0, "")
    raise_if_problems([row])
    for name, value in row.values.items():
        setattr(product, name, value)
    save_row(product, PRODUCTS, update_fields=[*row.values, "modified_date"])
    return product


def delete_product(*, product: Product) -> None:
    """Delete a product no price, stock or order item refers to (else Conflict naming them)."""
    delete_unreferenced(product, label=f"Product {product.pk} ({product.sku})")
