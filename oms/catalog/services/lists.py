"""Price and stock lists of a channel and their rows, one row at a time."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.db.models import QuerySet

from oms.access.services import Principal
from oms.catalog.models import PriceList, ProductPrice, ProductStock, StockList
from oms.catalog.services.events import record_stock_changes
from oms.catalog.services.rows import (
    PRICES,
    STOCKS,
    Table,
    parse_row,
    raise_if_problems,
    require_new_fields,
    resolve_products,
    save_row,
)
from oms.channels.models import Channel
from oms.core.deletion import delete_unreferenced
from oms.core.errors import ErrorCode, NotFound, Problem
from oms.core.lookup import get_row


def list_price_lists(*, channel: Channel) -> QuerySet[PriceList]:
    return PriceList.objects.filter(channel=channel)


def list_stock_lists(*, channel: Channel) -> QuerySet[StockList]:
    return StockList.objects.filter(channel=channel)


def get_price_list(*, principal: Principal, pk: int, channel: Channel | None = None) -> PriceList:
    """The price list `pk` if the caller may see it (its channel, or the shared grant when no
    channel is given); NotFound otherwise, as if it did not exist."""
    return _get_list(PriceList, "Price list", principal, pk, channel)


def get_stock_list(*, principal: Principal, pk: int, channel: Channel | None = None) -> StockList:
    """The stock list `pk` under the same rule as get_price_list."""
    return _get_list(StockList, "Stock list", principal, pk, channel)


def _get_list(
    model: type[PriceList | StockList], label: str, principal: Principal, pk: int, channel: Channel | None
) -> Any:
    found = model.objects.filter(pk=pk).first()
    visible = found is not None and (
        found.channel_id == channel.pk
        if channel is not None
        else principal.shared or principal.can_see(found.channel_id)
    )
    if not visible:
        raise NotFound(Problem("pk", ErrorCode.NOT_FOUND, f"{label} {pk} does not exist."))
    return found


def list_prices(*, price_list: PriceList) -> QuerySet[ProductPrice]:
    return ProductPrice.objects.filter(price_list=price_list).select_related("product")


def list_stocks(*, stock_list: StockList) -> QuerySet[ProductStock]:
    return ProductStock.objects.filter(stock_list=stock_list).select_related("product")


def get_price(*, price_list: PriceList, pk: int) -> ProductPrice:
    return get_row(
        list_prices(price_list=price_list), pk, label="Price", where=f" in price list {price_list.pk}"
    )


def get_stock(*, stock_list: StockList, pk: int) -> ProductStock:
    return get_row(
        list_stocks(stock_list=stock_list), pk, label="Stock", where=f" in stock list {stock_list.pk}"
    )


@transaction.atomic
def create_price(*, price_list: PriceList, payload: Any) -> ProductPrice:
    """Price a product in `price_list`; ValidationFailed for the schema's problems, an unknown or
    missing product, a missing price, or a product the list already prices."""
    return _create_list_row(PRICES, {"price_list": price_list}, payload)


@transaction.atomic
def create_stock(*, stock_list: StockList, payload: Any) -> ProductStock:
    """Stock a product in `stock_list`; the same checks as create_price, with `stock`."""
    stock = _create_list_row(STOCKS, {"stock_list": stock_list}, payload)
    record_stock_changes([stock])
    return stock


@transaction.atomic
def update_price(*, price: ProductPrice, payload: Any) -> ProductPrice:
    """Change the price's values sent (partial); its product cannot change."""
    return _update_list_row(PRICES, price, payload)


@transaction.atomic
def update_stock(*, stock: ProductStock, payload: Any) -> ProductStock:
    """Set the stock's figure or unit type (partial); its product cannot change, and its
    reservations are left as they are."""
    stock = _update_list_row(STOCKS, stock, payload)
    record_stock_changes([stock])
    return stock


def delete_price(*, price: ProductPrice) -> None:
    delete_unreferenced(price, label=f"Price {price.pk}")


def delete_stock(*, stock: ProductStock) -> None:
    delete_unreferenced(stock, label=f"Stock {stock.pk}")


def _create_list_row(table: Table, parent: dict[str, models.Model], payload: Any) -> Any:
    row = parse_row(table, payload, 0, "")
    resolve_products([row])
    require_new_fields(table, [row])
    raise_if_problems([row])
    instance = table.model(product=row.product, **parent, **row.values)
    save_row(instance, table)
    return instance


def _update_list_row(table: Table, instance: Any, payload: Any) -> Any:
    row = parse_row(table, payload, 0, "")
    if row.data is not None and {"product", "sku"} & row.given:
        resolve_products([row])
        if row.product is not None and row.product.pk != instance.product_id:
            row.problem(
                "product",
                ErrorCode.INVALID,
                f"The product of a {table.noun} cannot change; create a {table.noun} for product {row.product.pk}.",
            )
    raise_if_problems([row])
    for name, value in row.values.items():
        setattr(instance, name, value)
    save_row(instance, table, update_fields=[*row.values, "modified_date"])
    return instance
