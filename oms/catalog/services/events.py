"""`stock.changed`: recorded in the transaction of every write of a stock row, its data the row
as the stock endpoints answer it."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import prefetch_related_objects

from oms.catalog.models import Product, ProductStock, StockList
from oms.catalog.schemas import StockOut
from oms.core.render import wire_datetime_sql
from oms.events.models import Event, EventType
from oms.events.services import NewEvent, record_events

_STOCK = StockOut.renderer()


def record_stock_changes(stocks: Sequence[ProductStock]) -> None:
    """One stock.changed event per row, in the caller's transaction (one query for the rows'
    channels and products, one insert)."""
    if not stocks:
        return
    prefetch_related_objects(list(stocks), "product", "stock_list")
    record_events(
        [
            NewEvent(
                channel_id=stock.stock_list.channel_id,
                type=EventType.STOCK_CHANGED,
                subject=f"stock:{stock.pk}",
                occurred_at=stock.modified_date,
                data=_STOCK(stock, {}),
            )
            for stock in stocks
        ]
    )


def stock_changes_sql(rows: str) -> str:
    """PostgreSQL: the INSERT of `record_stock_changes`' events for the stock rows of `rows` (a
    CTE of a statement that has just changed them, returning their columns, `UPDATE ... RETURNING
    t.*`), their data built by the statement itself, so the write needs no read-back of the rows
    and no second round trip. One parameter: the request id. The data is what `StockOut` renders,
    key for key and in its order (a test compares it with the stock endpoint's answer): built as
    json, which is text kept as written, where jsonb sorted the keys and was then printed again
    as text for the column."""
    data = {
        "pk": "u.id",
        "id": "u.id",
        "stock_list": "u.stock_list_id",
        "product": "u.product_id",
        "sku": "p.sku",
        "stock": "u.stock",
        "sold_quantity_unreported": "u.sold_quantity_unreported",
        "adjusted_stock": "u.stock - u.sold_quantity_unreported",
        "unit_type": "u.unit_type",
        "created_date": wire_datetime_sql("u.created_date"),
        "modified_date": wire_datetime_sql("u.modified_date"),
    }
    assert list(data) == list(StockOut.model_fields), "stock.changed's SQL data must follow StockOut"
    built = ", ".join(f"'{key}', {value}" for key, value in data.items())
    return (
        f'INSERT INTO "{Event._meta.db_table}" (channel_id, type, subject, occurred_at, data, request_id) '
        f"SELECT l.channel_id, '{EventType.STOCK_CHANGED.value}', 'stock:' || u.id, u.modified_date, "
        f"json_build_object({built}), %s FROM {rows} u "
        f'JOIN "{Product._meta.db_table}" p ON p.id = u.product_id '
        f'JOIN "{StockList._meta.db_table}" l ON l.id = u.stock_list_id'
    )
