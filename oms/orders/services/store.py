"""Inserting orders and their items in set-based SQL built once from the models' fields.

The create path's profile was dominated by the ORM: building Model instances (a default looked
up per field), then compiling an INSERT of 50 columns for every request. Here an order and its
items are plain rows (`Row`, one attribute per column, read by the presenters like a Model
instance), the statement text is built once per model and database, and each value that is not
already of its column's plain type is prepared by its own field (`get_prep_value`, as `save()`
does), so JSON, decimals and dates are stored exactly as through the ORM.

PostgreSQL: one statement writes every order and item, from two JSON parameters (the statement
does not depend on the number of rows, so PostgreSQL can keep it prepared). It is atomic on its own,
so a single create needs no BEGIN/COMMIT round trips. SQLite: two statements, in the caller's
transaction.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import orjson
from django.db import DEFAULT_DB_ALIAS, connection, connections, models

from oms.orders.models import Order, OrderItem


class Row(SimpleNamespace):
    """An order or item to be stored: one attribute per column (by attname, `customer_id`), plus
    `pk`. Presenters read it as they read a Model instance."""


OrderRows = tuple[Row, Sequence[Row]]


def new_row(model: type[models.Model], values: dict[str, Any]) -> Row:
    """A row of `model` with each column's default, overridden by `values` (by attname)."""
    constants, factories = _defaults(model)
    row = constants.copy()
    for attname, factory in factories:
        row[attname] = factory()
    row.update(values)
    return Row(pk=None, **row)


def insert_orders(batch: Sequence[OrderRows]) -> None:
    """INSERT each order and its items (every order has at least one), setting their pks and
    the items' order_id.

    Raises IntegrityError as `save()` would: a duplicate number, or a reference deleted since it
    was resolved. Call it inside `transaction.atomic()` unless the database is PostgreSQL and
    nothing else is written with it.
    """
    if not batch:
        return
    if connection.vendor == "postgresql":
        _insert_postgresql(batch)
    else:
        _insert_sqlite(batch)


def link_transfers(links: Sequence[tuple[int, int]]) -> None:
    """Store (order pk, funds transfer pk) links, in the caller's transaction."""
    through = Order.funds_transfer_transactions.through
    through.objects.bulk_create(
        [through(order_id=order_id, fundstransfertransaction_id=pk) for order_id, pk in links]
    )


def needs_transaction() -> bool:
    """Whether insert_orders must run inside `transaction.atomic()` to be all-or-nothing."""
    # Inside an outer transaction a failed statement would poison it: a savepoint is needed.
    return connection.vendor != "postgresql" or connection.in_atomic_block


@functools.cache
def _fields(model: type[models.Model]) -> tuple[models.Field, ...]:
    # Every stored column but the generated pk and (for items) the order, which the SQL supplies.
    return tuple(f for f in model._meta.concrete_fields if not f.primary_key and f.attname != "order_id")


@functools.cache
def _defaults(model: type[models.Model]) -> tuple[dict[str, Any], tuple[tuple[str, Callable[[], Any]], ...]]:
    """Each column's default: the same value for every row, or (a callable default, such as
    `dict`) a factory called per row so that no two rows share a mutable default."""
    per_row = [f for f in _fields(model) if f.has_default() and callable(f.default)]
    constants = {f.attname: f.get_default() for f in _fields(model) if f not in per_row}
    return constants, tuple((f.attname, f.default) for f in per_row)


# Columns whose values the ORM stores as they are when they already have the column's Python
# type (a str for a CharField, an int for an IntegerField or a foreign key...). Preparing only
# the others halves the cost of a row. First match wins: subclasses before their bases.
_NONE = type(None)
_PLAIN_TYPES = [
    (models.GenericIPAddressField, ()),  # normalised by the field ("" is NULL, IPv6 compressed)
    (models.JSONField, ()),  # SQLite: a JSON value, even a string, is encoded by the field
    ((models.CharField, models.TextField), (str, _NONE)),
    ((models.IntegerField, models.ForeignKey), (int, _NONE)),
    (models.BooleanField, (bool, _NONE)),
]
# PostgreSQL reads every value from JSON text, parsing each as its column's type: decimals
# (written as exact strings), dates and datetimes (ISO 8601; the wire types made them aware)
# and JSON values need nothing from the field. (get_prep_value of these fields returns a
# Decimal, an aware datetime or a JSON value as it is.)
_JSON_VALUE = (dict, list, str, int, float, bool, _NONE)
_PLAIN_TYPES_POSTGRESQL = [
    (models.GenericIPAddressField, ()),
    (models.JSONField, _JSON_VALUE),
    (models.DecimalField, (Decimal, _NONE)),
    (models.DateTimeField, (datetime, _NONE)),
    (models.DateField, (date, _NONE)),
    *_PLAIN_TYPES[2:],
]


@functools.cache
def _columns_of(
    model: type[models.Model], vendor: str
) -> tuple[tuple[str, str, models.Field, tuple[type, ...]], ...]:
    """Per column: attname, column name, field, and the value types stored as they are."""
    kinds = _PLAIN_TYPES_POSTGRESQL if vendor == "postgresql" else _PLAIN_TYPES
    return tuple(
        (f.attname, f.column, f, next((types for kind, types in kinds if isinstance(f, kind)), ()))
        for f in _fields(model)
    )


def _prepared(model: type[models.Model], row: Row, prepare) -> list:
    """Each column's value of `row`: as it is when plain, else `prepare(field, value)`."""
    values = vars(row)
    prepared = []
    for attname, _, field, plain in _columns_of(model, connection.vendor):
        value = values[attname]
        prepared.append(value if type(value) in plain else prepare(field, value))
    return prepared


def _quoted(name: str) -> str:
    return connection.ops.quote_name(name)


def _columns(model: type[models.Model]) -> str:
    return ", ".join(_quoted(f.column) for f in _fields(model))


# PostgreSQL ----------------------------------------------------------------------------------


def _insert_postgresql(batch: Sequence[OrderRows]) -> None:
    orders = [_record(Order, order, position) for position, (order, _) in enumerate(batch)]
    rows = [(order, item) for order, order_items in batch for item in order_items]
    items = [
        _record(OrderItem, item, position, _order_number=order.number)
        for position, (order, item) in enumerate(rows)
    ]
    with connection.cursor() as cursor:
        cursor.execute(_postgresql_statement(), [_json(orders), _json(items)])
        returned = sorted(cursor.fetchall(), key=lambda row: row[1])
    ids = iter(returned)
    for order, order_items in batch:
        for item in order_items:
            order.pk, item.pk = next(ids)
            item.order_id = order.pk


def _record(model: type[models.Model], row: Row, position: int, **extra) -> dict:
    # Values as the fields prepare them for any database; PostgreSQL parses each one as its
    # column's type from the JSON text.
    values = _prepared(model, row, _prep_value)
    columns = _columns_of(model, "postgresql")
    record = {column: value for (_, column, _, _), value in zip(columns, values, strict=True)}
    record.update(extra, _position=position)
    return record


def _prep_value(field: models.Field, value: Any) -> Any:
    return field.get_prep_value(value)


def _json(records: list[dict]) -> str:
    try:
        # orjson writes datetimes and dates as ISO 8601, and is several times faster than json.
        return orjson.dumps(records, default=_decimal).decode()
    except orjson.JSONEncodeError:  # an integer past 64 bits inside a client's JSON field
        return json.dumps(records, default=_json_scalar, separators=(",", ":"))


def _decimal(value):
    if isinstance(value, Decimal):
        return str(value)  # exact: parsed by PostgreSQL as numeric
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _json_scalar(value):
    if isinstance(value, date):
        return value.isoformat()
    return _decimal(value)


def _definitions(model: type[models.Model]) -> str:
    # Types without their parameters ("varchar", not "varchar(128)"): a cast to varchar(n)
    # silently truncates, where the column itself refuses a value too long.
    return ", ".join(f"{_quoted(f.column)} {f.db_type(connection).split('(')[0]}" for f in _fields(model))


@functools.cache
def _postgresql_statement() -> str:
    """One statement for every order and item: two JSON parameters, unpacked into rows by
    json_to_recordset, so that psycopg handles two values instead of one per column and row."""
    orders, items = Order._meta, OrderItem._meta
    order_columns, item_columns = _columns(Order), _columns(OrderItem)
    pk, number = _quoted(orders.pk.column), _quoted(orders.get_field("number").column)
    # ORDER BY the input position: ids are drawn in that order, so sorting the returned rows by
    # id gives them back in input order.
    return (
        f"WITH new_orders AS ("
        f"INSERT INTO {_quoted(orders.db_table)} ({order_columns}) "
        f"SELECT {order_columns} FROM json_to_recordset(%s::json) "
        f"AS v({_definitions(Order)}, _position integer) ORDER BY _position "
        f"RETURNING {pk}, {number}) "
        f"INSERT INTO {_quoted(items.db_table)} ({_quoted('order_id')}, {item_columns}) "
        f"SELECT new_orders.{pk}, {', '.join(f'v.{_quoted(f.column)}' for f in _fields(OrderItem))} "
        f"FROM json_to_recordset(%s::json) "
        f"AS v({_definitions(OrderItem)}, _order_number varchar, _position integer) "
        f"JOIN new_orders ON new_orders.{number} = v._order_number ORDER BY v._position "
        f"RETURNING {_quoted('order_id')}, {_quoted(items.pk.column)}"
    )


# SQLite ----------------------------------------------------------------------------------------


def _insert_sqlite(batch: Sequence[OrderRows]) -> None:
    # The wrapper itself, not the `connection` proxy, which looks it up again on every use.
    wrapper = connections[DEFAULT_DB_ALIAS]

    def prepare(field: models.Field, value: Any) -> Any:
        return field.get_db_prep_save(value, wrapper)

    orders = [order for order, _ in batch]
    _insert_rows(Order, orders, [_prepared(Order, order, prepare) for order in orders])
    items = []
    for order, order_items in batch:
        for item in order_items:
            item.order_id = order.pk
            items.append(item)
    _insert_rows(OrderItem, items, [[item.order_id, *_prepared(OrderItem, item, prepare)] for item in items])


def _insert_rows(model: type[models.Model], objs: list[Row], rows: list[list]) -> None:
    per_statement = max(1, connection.features.max_query_params // len(rows[0]))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            cursor.execute(_sqlite_statement(model, len(chunk)), [value for row in chunk for value in row])
            # Rows get increasing ids in insert order: sorted ids match the input order.
            ids = sorted(row[0] for row in cursor.fetchall())
            for obj, pk in zip(objs[start : start + per_statement], ids, strict=True):
                obj.pk = pk


@functools.lru_cache(maxsize=64)
def _sqlite_statement(model: type[models.Model], rows: int) -> str:
    meta = model._meta
    columns = _columns(model)
    width = len(_fields(model))
    if model is OrderItem:
        columns, width = f"{_quoted('order_id')}, {columns}", width + 1
    row = "(" + ", ".join(["%s"] * width) + ")"
    return (
        f"INSERT INTO {_quoted(meta.db_table)} ({columns}) VALUES {', '.join([row] * rows)} "
        f"RETURNING {_quoted(meta.pk.column)}"
    )
