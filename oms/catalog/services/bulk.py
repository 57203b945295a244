"""Bulk upserts: up to 1,000 products, prices or stock rows validated whole with a fixed number
of queries, then written in one transaction with bulk statements."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from pydantic import ValidationError

from oms.catalog.models import PriceList, Product, StockList
from oms.catalog.schemas import MAX_BULK_ROWS, BulkIn
from oms.catalog.services.events import record_stock_changes
from oms.catalog.services.rows import (
    PRICES,
    PRODUCTS,
    STOCKS,
    Row,
    Table,
    parse_row,
    require_new_fields,
    resolve_products,
)
from oms.core.errors import Conflict, ErrorCode, Problem, ValidationFailed
from oms.core.wire import problems_from


class RowStatus(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    REJECTED = "rejected"  # with its errors; or, under reject_everything, valid but not written


@dataclass(frozen=True)
class RowResult:
    index: int
    status: RowStatus
    pk: int | None = None
    sku: str | None = None
    errors: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "status": str(self.status),
            "pk": self.pk,
            "sku": self.sku,
            "errors": [problem.as_dict() for problem in self.errors],
        }


@dataclass(frozen=True)
class BulkResult:
    results: list[RowResult]

    def summary(self) -> dict[str, int]:
        counts = {str(status): 0 for status in RowStatus}
        for result in self.results:
            counts[result.status] += 1
        return counts

    def as_dict(self) -> dict[str, Any]:
        return {"summary": self.summary(), "results": [result.as_dict() for result in self.results]}


def bulk_upsert_products(*, payload: Any) -> BulkResult:
    """Create or update up to 1,000 products by sku; see `_bulk_upsert` for the guarantees."""
    return _bulk_upsert(
        PRODUCTS,
        payload,
        key=lambda row: row.values.get("sku"),
        key_name="sku",
        existing=lambda keys: Product.objects.in_bulk(keys, field_name="sku"),
        new=lambda row: Product(**row.values),
    )


def bulk_upsert_prices(*, price_list: PriceList, payload: Any) -> BulkResult:
    """Create or update up to 1,000 prices of `price_list`, by product (id or sku)."""
    return _bulk_upsert_list_rows(PRICES, {"price_list": price_list}, payload)


def bulk_upsert_stocks(*, stock_list: StockList, payload: Any) -> BulkResult:
    """Create or update up to 1,000 stock figures of `stock_list`, by product (id or sku); only
    `stock` (and `unit_type`) are written, never the reservations."""
    return _bulk_upsert_list_rows(STOCKS, {"stock_list": stock_list}, payload)


def _bulk_upsert_list_rows(table: Table, parent: dict[str, models.Model], payload: Any) -> BulkResult:
    """The rows of one price or stock list (`parent`), keyed by product."""
    return _bulk_upsert(
        table,
        payload,
        key=lambda row: row.product.pk if row.product else None,
        key_name="product",
        existing=lambda keys: _by_product(table.model.objects.filter(**parent), keys),
        new=lambda row: table.model(product=row.product, **parent, **row.values),
        resolve=resolve_products,
    )


def _by_product(queryset: QuerySet, product_ids: set[Any]) -> dict[Any, models.Model]:
    return {row.product_id: row for row in queryset.filter(product_id__in=product_ids)}


@transaction.atomic
def _bulk_upsert(
    table: Table,
    payload: Any,
    *,
    key: Callable[[Row], Any],
    key_name: str,
    existing: Callable[[set[Any]], dict[Any, models.Model]],
    new: Callable[[Row], models.Model],
    resolve: Callable[[Sequence[Row]], None] | None = None,
) -> BulkResult:
    """Validate every row first (schema, references, keys repeated in the request, fields a new
    row needs) in a fixed number of queries, then write in this one transaction: one INSERT batch
    for the new rows and one UPDATE batch for the others.

    Under `reject_everything` a bad row raises ValidationFailed naming every bad row
    (`rows.3.price`) and nothing is written; under `reject_failed` the good rows are written and
    the bad reported.
    A concurrent writer inserting the same keys makes the whole call a Conflict, nothing written.
    """
    policy, raw_rows = _parse_bulk(payload)
    rows = [parse_row(table, raw, index, f"rows.{index}.") for index, raw in enumerate(raw_rows)]
    if resolve is not None:
        resolve(rows)
    _flag_repeated_keys(rows, key, key_name)
    keys = {key(row) for row in rows if key(row) is not None}
    found = existing(keys) if keys else {}
    for row in rows:
        row.existing = found.get(key(row))
    require_new_fields(table, rows)
    good = [row for row in rows if not row.problems]
    if policy == "reject_everything" and len(good) < len(rows):
        rejected = BulkResult([_result(row, RowStatus.REJECTED) for row in rows])
        raise ValidationFailed(
            [problem for row in rows for problem in row.problems],
            detail=f"{len(rows) - len(good)} of {len(rows)} rows failed; nothing was written.",
            **rejected.as_dict(),
        )
    written = _write(table, good, new)
    return BulkResult([written.get(row.index) or _result(row, RowStatus.REJECTED) for row in rows])


def _parse_bulk(payload: Any) -> tuple[str, list[Any]]:
    rows = payload.get("rows") if isinstance(payload, dict) else None
    if isinstance(rows, list) and len(rows) > MAX_BULK_ROWS:
        raise ValidationFailed(
            Problem("rows", ErrorCode.TOO_MANY, f"At most {MAX_BULK_ROWS} rows per request; got {len(rows)}.")
        )
    try:
        bulk = BulkIn.model_validate(payload)
    except ValidationError as error:
        problems = problems_from(error)
        if not isinstance(payload, dict):
            problems = [Problem("", ErrorCode.INVALID_TYPE, 'Expected a JSON object {"rows": [...]}.')]
        raise ValidationFailed(problems) from None
    return bulk.error_policy, bulk.rows


def _flag_repeated_keys(rows: Sequence[Row], key: Callable[[Row], Any], key_name: str) -> None:
    first: dict[Any, int] = {}
    for row in rows:
        value = key(row)
        if value is None:
            continue
        if value in first:
            row.problem(key_name, ErrorCode.DUPLICATE, f"Row {first[value]} already has {key_name} {value}.")
        else:
            first[value] = row.index


def _write(table: Table, rows: Sequence[Row], new: Callable[[Row], models.Model]) -> dict[int, RowResult]:
    created = [(row, new(row)) for row in rows if row.existing is None]
    updated = [row for row in rows if row.existing is not None]
    now = timezone.now()
    changed_fields = {"modified_date"}
    for row in updated:
        for name, value in row.values.items():
            setattr(row.existing, name, value)
        row.existing.modified_date = now  # bulk_update does not touch auto_now fields
        changed_fields.update(row.values)
    try:
        with transaction.atomic():
            table.model.objects.bulk_create([instance for _, instance in created])
            if updated:
                table.model.objects.bulk_update([row.existing for row in updated], sorted(changed_fields))
            if table is STOCKS:
                record_stock_changes(
                    [instance for _, instance in created] + [row.existing for row in updated]
                )
    except IntegrityError:
        raise Conflict(
            Problem(
                "rows",
                ErrorCode.DUPLICATE,
                f"Another request created some of these {table.noun}s meanwhile; nothing was written, retry.",
            )
        ) from None
    results = {row.index: _result(row, RowStatus.CREATED, instance) for row, instance in created}
    results.update({row.index: _result(row, RowStatus.UPDATED, row.existing) for row in updated})
    return results


def _result(row: Row, status: RowStatus, instance: models.Model | None = None) -> RowResult:
    if instance is None:
        sku = row.product.sku if row.product else row.values.get("sku")
        return RowResult(row.index, status, sku=sku, errors=row.problems)
    sku = instance.sku if isinstance(instance, Product) else row.product.sku
    return RowResult(row.index, status, pk=instance.pk, sku=sku)
