"""Inserting orders and their items in set-based SQL built once from the models' fields.

The create path's profile was dominated by the ORM compiling an INSERT of 50 columns for every
request. Here the statement text is built once per model and database, and each value is still
prepared by its own field (`pre_save` + `get_db_prep_save`, as `save()` does), so auto dates,
JSON and decimals are stored exactly as through the ORM.

PostgreSQL: one statement writes every order and item, from two JSON parameters (the statement
does not depend on the number of rows, so PostgreSQL can keep it prepared). It is atomic on its own,
so a single create needs no BEGIN/COMMIT round trips. SQLite: two statements, in the caller's
transaction.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS, connection, connections, models

from oms.orders.models import Order, OrderItem

OrderRows = tuple[Order, Sequence[OrderItem]]


def insert_orders(batch: Sequence[OrderRows]) -> None:
    """INSERT each order and its items (every order has at least one), setting their pks.

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
    for order, items in batch:
        _saved(order)
        for item in items:
            item.order = order
            _saved(item)


def needs_transaction() -> bool:
    """Whether insert_orders must run inside `transaction.atomic()` to be all-or-nothing."""
    # Inside an outer transaction a failed statement would poison it: a savepoint is needed.
    return connection.vendor != "postgresql" or connection.in_atomic_block


@functools.cache
def _fields(model: type[models.Model]) -> tuple[models.Field, ...]:
    # Every stored column but the generated pk and (for items) the order, which the SQL supplies.
    return tuple(f for f in model._meta.concrete_fields if not f.primary_key and f.attname != "order_id")


# Columns whose values the ORM stores as they are when they already have the column's Python
# type (a str for a CharField, an int for an IntegerField or a foreign key...). Preparing only
# the others (decimals, datetimes, JSON, IP addresses, auto dates) halves the cost of a row.
_PLAIN_TYPES = [
    (models.JSONField, ()),  # before CharField: a JSON string is still encoded
    ((models.CharField, models.TextField), (str, type(None))),
    ((models.IntegerField, models.ForeignKey), (int, type(None))),
    (models.BooleanField, (bool, type(None))),
]


@functools.cache
def _plain(model: type[models.Model]) -> tuple[tuple[type, ...], ...]:
    """Per column, the value types stored as they are (none: always prepared by the field)."""
    return tuple(
        next((types for kinds, types in _PLAIN_TYPES if isinstance(f, kinds)), ()) for f in _fields(model)
    )


def _prepared(obj: models.Model, prepare) -> list:
    """Each column's value of `obj`: as it is when plain, else `prepare(field, pre_save value)`."""
    values = []
    for field, plain in zip(_fields(type(obj)), _plain(type(obj)), strict=True):
        value = getattr(obj, field.attname)
        values.append(value if type(value) in plain else prepare(field, field.pre_save(obj, True)))
    return values


def _values(obj: models.Model) -> list:
    # The wrapper itself, not the `connection` proxy, which looks it up again on every use.
    wrapper = connections[DEFAULT_DB_ALIAS]
    return _prepared(obj, lambda field, value: field.get_db_prep_save(value, wrapper))


def _saved(obj: models.Model) -> None:
    obj._state.adding = False
    obj._state.db = connection.alias


def _quoted(name: str) -> str:
    return connection.ops.quote_name(name)


def _columns(model: type[models.Model]) -> str:
    return ", ".join(_quoted(f.column) for f in _fields(model))


# PostgreSQL ----------------------------------------------------------------------------------


def _insert_postgresql(batch: Sequence[OrderRows]) -> None:
    orders = [_record(order, position) for position, (order, _) in enumerate(batch)]
    rows = [(order, item) for order, order_items in batch for item in order_items]
    items = [
        _record(item, position, _order_number=order.number) for position, (order, item) in enumerate(rows)
    ]
    with connection.cursor() as cursor:
        cursor.execute(_postgresql_statement(), [_json(orders), _json(items)])
        returned = sorted(cursor.fetchall(), key=lambda row: row[1])
    ids = iter(returned)
    for order, order_items in batch:
        for item in order_items:
            order.pk, item.pk = next(ids)


def _record(obj: models.Model, position: int, **extra) -> dict:
    # Values as the fields prepare them for any database; PostgreSQL parses each one as its
    # column's type from the JSON text.
    values = _prepared(obj, lambda field, value: field.get_prep_value(value))
    record = {field.column: value for field, value in zip(_fields(type(obj)), values, strict=True)}
    record.update(extra, _position=position)
    return record


def _json(records: list[dict]) -> str:
    return json.dumps(records, default=_json_scalar, separators=(",", ":"))


def _json_scalar(value):
    if isinstance(value, Decimal):
        return str(value)  # exact: parsed by PostgreSQL as numeric
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


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
    orders = [order for order, _ in batch]
    _insert_rows(Order, orders, [_values(order) for order in orders])
    items = []
    for order, order_items in batch:
        for item in order_items:
            item.order_id = order.pk
            items.append(item)
    _insert_rows(OrderItem, items, [[item.order_id, *_values(item)] for item in items])


def _insert_rows(model: type[models.Model], objs: list[models.Model], rows: list[list]) -> None:
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
