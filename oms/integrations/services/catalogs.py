"""A catalog's products: which products its channel sells (the product, price and stock feeds
hand out these). Managed by the catalog team, as prices and stock are: writing needs the shared
grant, reading the catalog's channel or the grant."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from oms.access.services import Principal
from oms.catalog.models import Product
from oms.core.errors import ErrorCode, NotFound, Problem, ValidationFailed
from oms.core.lookup import bounded, get_row
from oms.core.payload import parse_payload
from oms.integrations.models import Catalog, CatalogItem
from oms.integrations.schemas import CatalogItemIn
from oms.integrations.services.pending import refresh_pending


def get_catalog_for(*, principal: Principal, pk: int) -> Catalog:
    """Catalog `pk` if the key sees its channel or has the shared grant; NotFound otherwise, as
    if it did not exist."""
    catalog = Catalog.objects.filter(pk=bounded(pk)).first()
    if catalog is None or not (principal.shared or principal.can_see(catalog.channel_id)):
        raise NotFound(Problem("pk", ErrorCode.NOT_FOUND, f"Catalog {pk} does not exist."))
    return catalog


def list_catalog_items(*, catalog: Catalog) -> QuerySet[CatalogItem]:
    return CatalogItem.objects.filter(catalog=catalog).select_related("product")


def get_catalog_item(*, catalog: Catalog, pk: int) -> CatalogItem:
    return get_row(
        list_catalog_items(catalog=catalog), pk, label="Catalog item", where=f" in catalog {catalog.pk}"
    )


@transaction.atomic
def create_catalog_item(*, catalog: Catalog, payload: Any) -> tuple[CatalogItem, bool]:
    """Add a product (by `product` id or `sku`) to the catalog; (the item, whether it is new): a
    product already in the catalog is answered with its item. ValidationFailed (400) for the
    body's problems and a product that does not exist."""
    parsed = parse_payload(CatalogItemIn, payload, strict_fields=False, read_only=("pk", "id", "catalog"))
    problems = list(parsed.problems)
    data = parsed.data
    product = None
    if data is not None:
        if data.product is None and data.sku is None:
            problems.append(Problem("product", ErrorCode.REQUIRED, "Send the product's id or its sku."))
        else:
            product = _product(data.product, data.sku, problems)
    if problems:
        raise ValidationFailed(problems)
    existing = CatalogItem.objects.filter(catalog=catalog, product=product).select_related("product").first()
    if existing is not None:
        return existing, False
    item = CatalogItem(catalog=catalog, product=product)
    try:
        with transaction.atomic():
            item.save()
            # Pending when new, unless the channel has the product already (another catalog's).
            refresh_pending(channel_id=catalog.channel_id, product_ids=[product.pk])
    except IntegrityError:  # added by a concurrent request since the lookup
        return CatalogItem.objects.select_related("product").get(catalog=catalog, product=product), False
    return item, True


def delete_catalog_item(*, item: CatalogItem) -> None:
    """Take the product out of the catalog: the channel's feeds report it deleted."""
    item.delete()


def _product(pk: int | None, sku: str | None, problems: list[Problem]) -> Product | None:
    rows = Product.objects.filter(pk=pk) if pk is not None else Product.objects.filter(sku=sku)
    product = rows.first()
    if product is None:
        path, what = ("product", f"Product {pk}") if pk is not None else ("sku", f'Product "{sku}"')
        problems.append(Problem(path, ErrorCode.NOT_FOUND, f"{what} does not exist."))
    elif sku is not None and product.sku != sku:
        problems.append(
            Problem("sku", ErrorCode.MISMATCH, f"Product {pk} has sku {product.sku!r}, not {sku!r}.")
        )
    return product
