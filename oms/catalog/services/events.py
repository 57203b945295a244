"""`stock.changed`: recorded in the transaction of every write of a stock row, its data the row
as the stock endpoints answer it."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import prefetch_related_objects

from oms.catalog.models import ProductStock
from oms.catalog.schemas import StockOut
from oms.events.models import EventType
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
