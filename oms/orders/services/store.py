"""Inserting orders and their items in set-based SQL built once from the models' fields.

The create path's profile was dominated by the ORM: building Model instances through `__init__`
(a default looked up per field, a descriptor per value, two signals), then compiling an INSERT of
50 columns for every request. Here an order and its items are Model instances filled as the ORM
fills one it reads (`new_instance`: the values straight into the instance's `__dict__`, defaults
cached per model), so every reader holds the same `Order` and `OrderItem` whichever path made it;
the statement text is built once per model and database, and each value that is not already of
its column's plain type is prepared by its own field (`get_prep_value`, as `save()` does), so
JSON, decimals and dates are stored exactly as through the ORM.

PostgreSQL: one statement writes every order and item, from two JSON parameters (the statement
does not depend on the number of rows, so PostgreSQL can keep it prepared). It is atomic on its own,
so a single create needs no BEGIN/COMMIT round trips. SQLite: two statements, in the caller's
transaction.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

import orjson
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.models.base import ModelState

from oms.catalog.services.stock import (
    Found,
    contended,
    note_reservation,
    reservation_parameters,
    reservation_sql,
)
from oms.core.render import dumps
from oms.events.models import Event, EventType
from oms.events.services import current_request_id
from oms.observe.metrics import count_contended_create
from oms.orders.models import Order, OrderHistory, OrderItem
from oms.orders.services.events import created_data
from oms.orders.services.reservations import record_reservations

M = TypeVar("M", bound=models.Model)

NewOrder = tuple[Order, Sequence[OrderItem]]

# The insert writes the pks and the items' order_id into the instances' __dict__, as the ORM
# fills an instance it reads: the pk setter and the foreign key's descriptor cost more than the
# rest of the instance's handling on the create path.
_PK = "id"
assert Order._meta.pk.attname == OrderItem._meta.pk.attname == _PK


def new_instance(model: type[M], values: dict[str, Any]) -> M:
    """An unsaved instance of `model` with each column's default, overridden by `values` (by
    attname, `customer_id`), built without `Model.__init__`: the same instance `__init__` would
    give, at the cost of a dict (no signals, no descriptor per field; models here use neither
    `pre_init` nor `post_init`)."""
    constants, factories = _defaults(model)
    row = constants.copy()
    for attname, factory in factories:
        row[attname] = factory()
    row.update(values)
    return _instance(model, row)


def stored_instance(model: type[M], values: dict[str, Any]) -> M:
    """A stored row of `model` known by some of its columns (by attname, the pk included), as
    `Model.from_db` builds it with the others deferred (loaded if read, as after `.only()`)."""
    instance = _instance(model, values)
    _mark_stored(instance)
    return instance


def _instance(model: type[M], attributes: dict[str, Any]) -> M:
    # What Model.__init__ leaves, minus its work: the column values and a fresh ModelState.
    attributes["_state"] = ModelState()
    instance = model.__new__(model)
    instance.__dict__ = attributes
    return instance


def insert_orders(
    batch: Sequence[NewOrder], *, created: Sequence[dict[str, Any]], reserved_at: datetime | None = None
) -> None:
    """INSERT each order and its items (every order has at least one), setting their pks and
    the items' order_id, and marking them stored (`_state`, as `save()` does); and each order's
    `order.created` event in the outbox, its data `created[i]` (the order's answer rendered before
    the insert, by orders.services.events.order_data) with the ids filled in. With `reserved_at`,
    the items' stock reservations (`reserve_items`) go into the order history too, at that time:
    on PostgreSQL in the same statement (the history's ORM insert and its round trip cost a third
    of a reserving create's CPU).

    Raises IntegrityError as `save()` would: a duplicate number, or a reference deleted since it
    was resolved. Call it inside `transaction.atomic()` unless the database is PostgreSQL and
    nothing else is written with it.
    """
    if not batch:
        return
    if connection.vendor == "postgresql":
        _insert_postgresql(batch, created, reserved_at)
    else:
        _insert_sqlite(batch, created)
        if reserved_at is not None:
            record_reservations(batch, now=reserved_at)
    for order, items in batch:
        _mark_stored(order)
        for item in items:
            _mark_stored(item)


def unmark_stored(order: Order, items: Sequence[OrderItem]) -> None:
    """An order and its items inserted in a transaction that was rolled back: unsaved again."""
    for instance in (order, *items):
        instance.pk = None
        _mark_stored(instance, False)
    for item in items:
        item.order_id = None


def _mark_stored(instance: models.Model, stored: bool = True) -> None:
    # The state save() leaves (its cache of related instances kept).
    state = instance._state
    state.adding, state.db = not stored, DEFAULT_DB_ALIAS if stored else None


def link_transfers(links: Sequence[tuple[int, int]]) -> None:
    """Store (order pk, funds transfer pk) links, in the caller's transaction."""
    through = Order.funds_transfer_transactions.through
    through.objects.bulk_create(
        [through(order_id=order_id, fundstransfertransaction_id=pk) for order_id, pk in links]
    )


def reserves_in_insert() -> bool:
    """Whether a single create reserves its stock in its insert statement
    (`insert_reserving_order`, PostgreSQL) rather than before it (`reserve_items`)."""
    return connection.vendor == "postgresql"


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
    """Each column's default (None for the pk and an item's order until the insert sets them):
    the same value for every row, or (a callable default, such as `dict`) a factory called per
    row so that no two rows share a mutable default."""
    fields = model._meta.concrete_fields
    per_row = [f for f in fields if f.has_default() and callable(f.default)]
    constants = {f.attname: None if f not in _fields(model) else f.get_default() for f in fields}
    for f in per_row:
        del constants[f.attname]
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
    (models.DecimalField, (Decimal, _NONE)),  # the driver writes a Decimal as its exact digits
    (models.DateField, (_NONE,)),  # and DateTimeField: a datetime is made naive in UTC by the field
]
# PostgreSQL reads every value from JSON text, parsing each as its column's type: strings,
# numbers, booleans, decimals (written as exact strings), dates and datetimes (ISO 8601; the wire
# types made them aware) and JSON values need nothing from their field, whose get_prep_value
# returns them as they are. Fields of other kinds (an IP address, normalised by its field) are
# still prepared.
_AS_THEY_ARE_POSTGRESQL = (
    models.JSONField,
    models.DecimalField,
    models.DateField,  # and DateTimeField
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.ForeignKey,
    models.BooleanField,
)


@functools.cache
def _postgresql_columns(
    model: type[models.Model],
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, models.Field], ...]]:
    """(JSON key, attname) of every column, and (JSON key, field) of those whose values their
    field prepares."""
    keyed = [(_key(index), f) for index, f in enumerate(_fields(model))]
    prepared = tuple(
        (key, f)
        for key, f in keyed
        if isinstance(f, models.GenericIPAddressField) or not isinstance(f, _AS_THEY_ARE_POSTGRESQL)
    )
    return tuple((key, f.attname) for key, f in keyed), prepared


def _key(index: int) -> str:
    # Records are keyed by column position: PostgreSQL parsed the column names, repeated in every
    # record, for most of the insert's time (3 MB of JSON for 1,000 orders of 3 items). A letter
    # first, so the statement names them unquoted (see _bare_columns).
    return f"c{index}"


@functools.cache
def _sqlite_columns(model: type[models.Model]) -> tuple[tuple[str, tuple[type, ...], Preparer], ...]:
    """Per column: attname, the value types stored as they are, and how any other value is
    prepared for SQLite."""
    return tuple(
        (f.attname, next((types for kind, types in _PLAIN_TYPES if isinstance(f, kind)), ()), _preparer(f))
        for f in _fields(model)
    )


Preparer = Callable[[Any, Any], Any]  # (value, connection) -> the value SQLite stores


def _preparer(field: models.Field) -> Preparer:
    if isinstance(field, models.JSONField) and field.encoder is None:
        return _json_text
    if isinstance(field, models.DateTimeField) and settings.USE_TZ:
        return functools.partial(_aware_datetime, field)
    return field.get_db_prep_save


def _json_text(value: Any, wrapper: Any = None) -> str | None:
    # JSONField.get_db_prep_save on SQLite: None is SQL NULL, anything else json.dumps(value).
    return None if value is None else json.dumps(value)


def _aware_datetime(field: models.DateTimeField, value: Any, wrapper: Any) -> Any:
    # DateTimeField.get_db_prep_save on SQLite for an aware datetime (the wire types make every
    # one aware): made naive in the connection's time zone, written as text. A tenth of a create's
    # CPU on SQLite went through the field's checks and the backend's adapter.
    if isinstance(value, datetime) and value.utcoffset() is not None:
        return str(value.astimezone(wrapper.timezone).replace(tzinfo=None))
    return field.get_db_prep_save(value, wrapper)


def _quoted(name: str) -> str:
    return connection.ops.quote_name(name)


def _columns(model: type[models.Model]) -> str:
    return ", ".join(_quoted(f.column) for f in _fields(model))


# PostgreSQL's keywords that cannot name a column unquoted (reserved and type or function names).
_RESERVED = frozenset(
    """all analyse analyze and any array as asc asymmetric authorization binary both case cast check
    collate collation column concurrently constraint create cross current_catalog current_date
    current_role current_schema current_time current_timestamp current_user default deferrable desc
    distinct do else end except false fetch for foreign freeze from full grant group having ilike in
    initially inner intersect into is isnull join lateral leading left like limit localtime
    localtimestamp natural not notnull null offset on only or order outer overlaps placing primary
    references returning right select session_user similar some symmetric system_user table
    tablesample then to trailing true union unique user using variadic verbose when where window
    with""".split()  # noqa: SIM905 (a list literal of 100 strings is no clearer)
)


def _bare_columns(model: type[models.Model]) -> str:
    # Quoted only where needed: the statement must stay within psycopg's cache (see below).
    return ", ".join(
        f.column
        if re.fullmatch(r"[a-z_][a-z0-9_]*", f.column) and f.column not in _RESERVED
        else _quoted(f.column)
        for f in _fields(model)
    )


# PostgreSQL ----------------------------------------------------------------------------------


def _insert_postgresql(
    batch: Sequence[NewOrder], created: Sequence[dict[str, Any]], reserved_at: datetime | None
) -> None:
    orders = [_record(Order, order, position) for position, (order, _) in enumerate(batch)]
    request_id = current_request_id()
    # One line per order (compact JSON has no raw newline: one in a string is written \n).
    answers = "\n".join(dumps(_without_ids(data)).decode() for data in created)
    single = len(batch) == 1
    named = [answers] if single else [[order.number for order, _ in batch], answers]
    rows = [(order, item) for order, order_items in batch for item in order_items]
    items = [
        _record(OrderItem, item, position, n=order.number) for position, (order, item) in enumerate(rows)
    ]
    with connection.cursor() as cursor:
        parameters = [_json(orders), _json(items), request_id, *named]
        if reserved_at is None:
            cursor.execute(_postgresql_statement(single=single), parameters)
        else:
            cursor.execute(_postgresql_statement(history=True, single=single), [*parameters, reserved_at])
        returned = sorted(cursor.fetchall(), key=lambda row: row[1])
    ids = iter(returned)
    for order, order_items in batch:
        for item in order_items:
            order_pk, item_pk = next(ids)
            vars(order)[_PK] = order_pk
            vars(item).update({_PK: item_pk, "order_id": order_pk})


def _without_ids(data: dict[str, Any]) -> dict[str, Any]:
    # The statement writes the order's ids in front of the rest of its answer (`_events_cte`).
    return {key: value for key, value in data.items() if key not in _IDS}


_IDS = frozenset(("pk", "id"))


def _record(model: type[models.Model], row: models.Model, position: int, **extra) -> dict:
    values = vars(row)
    keys, prepared = _postgresql_columns(model)
    # A missing key is read as NULL: None values are left out.
    record = {key: value for key, attname in keys if (value := values[attname]) is not None}
    for key, field in prepared:
        value = field.get_prep_value(values[field.attname])
        if value is None:
            record.pop(key, None)
        else:
            record[key] = value
    record.update(extra, p=position)
    return record


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
    return ", ".join(
        f"{_key(index)} {_short_type(f.db_type(connection).split('(')[0])}"
        for index, f in enumerate(_fields(model))
    )


# The same types by their shorter names, to keep the statement within psycopg's cache of parsed
# queries (4 KiB; past it psycopg parses the statement again on every run).
_SHORT_TYPES = {
    "timestamp with time zone": "timestamptz",
    "boolean": "bool",
    "smallint": "int2",
    "integer": "int4",
    "bigint": "int8",
}


def _short_type(name: str) -> str:
    return _SHORT_TYPES.get(name, name)


def _selected(model: type[models.Model], values: dict[str, str] | None = None) -> str:
    # Unqualified: no other source of the SELECT has columns named by numbers. `values`: SQL for
    # some columns (by attname) instead of the record's.
    values = values or {}
    return ", ".join(values.get(f.attname, _key(index)) for index, f in enumerate(_fields(model)))


@functools.cache
def _postgresql_statement(history: bool = False, single: bool = False) -> str:
    """One statement for every order and item: two JSON parameters, unpacked into rows by
    jsonb_to_recordset, so that psycopg handles two values instead of one per column and row.
    (json_to_recordset took twice as long: it builds a hash table of every record's keys.)

    With `history`, it also writes the items' reservation entries (`reservations
    .record_reservations` writes the same rows on SQLite) from a third parameter, their time.
    That variant is past psycopg's 4 KiB cache of parsed statements; one round trip and the
    ORM's insert saved are worth more than the parse."""
    items = f"FROM jsonb_to_recordset(%s::jsonb) AS v({_definitions(OrderItem)}, n varchar, p integer)"
    statement = (
        "WITH "
        + _orders_cte()
        + ", "
        + _items_cte(items, returned=history)
        + ", "
        + _events_cte(single=single)
    )
    if history:
        statement += ", " + _history_cte()
    return statement + " SELECT order_id, id FROM i"


def insert_reserving_order(
    order: Order,
    items: Sequence[OrderItem],
    *,
    created: dict[str, Any],
    stock_lists: Sequence[int | None],
    reject: bool,
) -> list[Found]:
    """PostgreSQL: reserve one order's units and insert it, in one statement (atomic on its own:
    run it in autocommit unless something else is written with it). Each item reserves its
    quantity on `stock_lists[i]` (None: none); under `reject` an order any item of which is short
    is not written and reserves nothing. Returns, per item, what the reservation found; when the
    order was written the order and items are marked stored with their ids, the items'
    `reserved_stock_id` and `oversold` and the order's `oversold` set. The order's event, its
    items' reservation history and the rows' stock.changed are written by the same statement.
    Raises IntegrityError as `insert_orders` does (nothing written then). Rows contended lately
    are reserved through a function (`stock.contended`), and a statement that found its rows
    changed by another create marks them so (`stock.note_reservation`)."""
    now = order.created_date
    request_id = current_request_id()
    records = [
        _record(OrderItem, item, position, n=order.number, s=stock_list)
        for position, (item, stock_list) in enumerate(zip(items, stock_lists, strict=True))
    ]
    answer = dumps(_without_ids(created)).decode()
    keys = [
        (stock_list, item.product_id)
        for item, stock_list in zip(items, stock_lists, strict=True)
        if stock_list is not None
    ]
    hot = contended(keys)
    reservation = reservation_parameters(reject=reject, now=now, contended=hot)
    parameters = [_json(records), *reservation, request_id, _json([_record(Order, order, 0)])]
    with connection.cursor() as cursor:
        cursor.execute(_reserving_statement(hot), [*parameters, request_id, answer, now])
        rows = cursor.fetchall()
    # Per item: order id, item ids, then the reservation's row, oversold, short, available,
    # and whether its row was found changed by another create.
    note_reservation(keys, rechecked=any(changed for *_, changed in rows))
    if hot:
        channel = order.channel_id
        transaction.on_commit(lambda: count_contended_create(channel))
    found = [Found(*row[2:6]) for row in rows]
    order_pk, item_pks = rows[0][0], rows[0][1]
    if order_pk is None:  # refused: nothing written
        return found
    # The items' ids ascend in input order (inserted ORDER BY position).
    for item, item_pk, got in zip(items, item_pks, found, strict=True):
        vars(item).update(
            {_PK: item_pk, "order_id": order_pk, "reserved_stock_id": got.stock_id, "oversold": got.oversold}
        )
        _mark_stored(item)
    vars(order).update({_PK: order_pk, "oversold": any(got.oversold for got in found)})
    _mark_stored(order)
    return found


@functools.cache
def _reserving_statement(contended: bool = False) -> str:
    """`_postgresql_statement(history=True)` for one order that reserves its items' units in the
    same statement (`stock.reservation_sql`: the rows locked in pk order, the policy's decision,
    the units added, their stock.changed), with the items' `reserved_stock_id` and `oversold`
    and the order's `oversold` from the reservation, and nothing inserted when it is refused.

    Why one statement: the row locks are held from the lock to the commit. Reserving in a
    statement of its own, then inserting in another, held them over two round trips, the read
    back of the rows for their events and the Python between (BEGIN and COMMIT besides); under
    contention every create waited for all that of the one before. Here the rows are locked
    before the inserts, which need the decision. Locking them last was tried (the inserts made on
    the figures read without the lock, the decision checked under it, the statement failing
    when it differed): 0.6 ms more CPU per reserving create and no gain under contention, which
    on the benchmark's machine is bound by CPU, not by the locks (bench/stock_ab.py: 206 against
    198 orders/s, p99 100 against 113 ms).

    The order.created data was rendered before the reservation, with nothing oversold: the
    statement writes it as it came unless the order is oversold, and only then parses it to set
    the order's and the items' flags (parsing every answer into jsonb cost 0.05 ms per create).
    Its final SELECT is one row per item in input order: the order's id and its items' ids in
    input order (both NULL: refused), the stock row, oversold, short, the row's adjusted stock
    before (for the refusal's message), and whether the row was found changed by another
    create (contention). Past psycopg's 4 KiB cache of parsed statements,
    like the history variant: one parse per create costs less than a round trip.

    Its plan has as few nodes as it can: PostgreSQL starts and ends every node of it on every
    create, and under contention starts all of them again for each row a concurrent create
    changed after this one's snapshot (EvalPlanQual). So the items are inserted from `w`, which
    carries their columns, beside the one order row (not hash-joined to `v` and `o`); the order
    row is written beside `f`'s one row (not under two InitPlans); the items' ids are aggregated
    once (`g`) for the event and the answer; and the oversold event data reads the items' flags
    from an array (`f.xs`), not a join to `w`: 73 nodes became 60, the statement's time
    460-485 -> 437-440 us (bench/stock_profile.py)."""
    oversold = (
        "jsonb_set(r.d::jsonb, '{orderitem_set}', (SELECT jsonb_agg(a.e || jsonb_build_object('oversold', f.xs[a.n]) "
        "ORDER BY a.n) FROM jsonb_array_elements(r.d::jsonb -> 'orderitem_set') WITH ORDINALITY a(e, n))) "
        "|| jsonb_build_object('oversold', true)"
    )
    return (
        f"WITH v AS MATERIALIZED (SELECT * FROM jsonb_to_recordset(%s::jsonb) "
        f"AS v({_definitions(OrderItem)}, n varchar, p integer, s int8)), "
        + reservation_sql(
            "v",
            product=_key_of(OrderItem, "product_id"),
            quantity=_key_of(OrderItem, "quantity"),
            contended=contended,
        )
        + ", "
        + _orders_cte({"oversold": "f.x"}, rest="CROSS JOIN f WHERE f.ok ")
        + ", "
        + _items_cte(
            "FROM w v", returned=True, values={"reserved_stock_id": "v.r", "oversold": "v.x"}, one_order=True
        )
        + ", g AS (SELECT min(order_id) o, array_agg(id ORDER BY id) a FROM i), "
        + _events_cte(oversold, joined=" CROSS JOIN f CROSS JOIN g", single=True, ids="array_to_json(g.a)")
        + ", "
        + _history_cte()
        + " SELECT g.o, g.a, w.r, w.x, w.y, w.a, w.e FROM w CROSS JOIN g ORDER BY w.p"
    )


def _key_of(model: type[models.Model], attname: str) -> str:
    return next(_key(index) for index, f in enumerate(_fields(model)) if f.attname == attname)


# The statement's pieces. ORDER BY the input position: ids are drawn in that order, so sorting
# the returned rows by id gives them back in input order. Items carry their order's number as "n".
# The events: each order's answer ("d", rendered before the insert) with the order's ids and its
# items' ids in id order (the input order), which Event.wire_data puts in the items: building the
# items' objects here cost more than the rest of the event.


def _orders_cte(values: dict[str, str] | None = None, rest: str = "ORDER BY v.p ") -> str:
    # `values`: SQL for some columns (by attname) instead of the record's; `rest`: what follows
    # the records (the order of several, or one order's condition).
    orders = Order._meta
    pk, number = _quoted(orders.pk.column), _quoted(orders.get_field("number").column)
    return (
        f"o AS (INSERT INTO {_quoted(orders.db_table)} ({_bare_columns(Order)}) "
        f"SELECT {_selected(Order, values)} FROM jsonb_to_recordset(%s::jsonb) "
        f"AS v({_definitions(Order)}, p integer) {rest}"
        f"RETURNING {pk}, {number}, channel_id, created_date)"
    )


def _items_cte(
    source: str, *, returned: bool, values: dict[str, str] | None = None, one_order: bool = False
) -> str:
    # `source`: the FROM of the items' records, aliased v; `returned`: what the history needs too;
    # `one_order`: every item is the one order's (joined without a hash table of the orders).
    orders, items = Order._meta, OrderItem._meta
    pk, number = _quoted(orders.pk.column), _quoted(orders.get_field("number").column)
    stock, oversold = _quoted("reserved_stock_id"), _quoted("oversold")
    columns = f"order_id, id, {stock}, quantity, {oversold}" if returned else "order_id, id"
    joined = "CROSS JOIN o" if one_order else f"JOIN o ON o.{number} = v.n"
    return (
        f"i AS (INSERT INTO {_quoted(items.db_table)} (order_id, {_bare_columns(OrderItem)}) "
        f"SELECT o.{pk}, {_selected(OrderItem, values)} {source} "
        f"{joined} ORDER BY v.p RETURNING {columns})"
    )


def _events_cte(
    oversold: str | None = None, joined: str = "", *, single: bool = False, ids: str | None = None
) -> str:
    """The data is built as text from the request id and the orders' answers rendered without
    their ids: the order's ids written in front of its answer, cast once to json, which only
    validates it (the column is text: EventDataField). Per create, in psql: reading a 4.3 KB
    answer out of a JSON parameter took 0.041 ms (jsonb_to_recordset into jsonb, 0.048, then
    patched by ||), the ids and the cast 0.014 ms.

    Several orders (`single` false): their numbers (an array) and answers (a line of text each)
    zipped by ROWS FROM and joined to the orders and their items' ids. One order: its answer (a
    parameter) beside its row, and its items' ids in a subquery, a plan of 4 nodes instead of
    12, which PostgreSQL starts and ends on every create.

    `oversold`: the reserving statement's data when its order is oversold (`f.x`), a jsonb
    expression of the answer `r.d` with the flags set, to which the ids are joined in jsonb (its
    keys then in jsonb's order). Only then is the answer parsed: it was rendered with nothing
    oversold, which is what the text says otherwise. `ids`: the one order's item ids as a json
    array when `joined` brings them (else aggregated here), so that both texts of the oversold
    CASE read them from one aggregate."""
    if single:
        ids = ids or "(SELECT json_agg(id ORDER BY id) FROM i)"
        source, grouped = "o CROSS JOIN (SELECT %s::text d) r", ""
    else:
        number = _quoted(Order._meta.get_field("number").column)
        ids = "g.a"
        source = (
            "ROWS FROM (unnest(%s::text[]), string_to_table(%s, E'\\n')) r(n, d) "
            f"JOIN o ON o.{number} = r.n JOIN g ON g.order_id = o.id"
        )
        grouped = "g AS (SELECT order_id, json_agg(id ORDER BY id) a FROM i GROUP BY order_id), "
    data = (
        f"('{{\"pk\":' || o.id || ',\"id\":' || o.id || ',\"item_ids\":' || {ids} || ',' "
        "|| substr(r.d, 2))::json"
    )
    if oversold is not None:
        data = (
            f"CASE WHEN f.x THEN ({oversold} || jsonb_build_object('pk', o.id, 'id', o.id, 'item_ids', "
            f"{ids}::jsonb))::text ELSE {data}::text END"
        )
    return (
        f"{grouped}e AS (INSERT INTO {_quoted(Event._meta.db_table)} "
        "(channel_id, type, subject, occurred_at, data, request_id) "
        f"SELECT o.channel_id, 'order.created', 'order:' || o.id, o.created_date, {data}, %s "
        f"FROM {source}{joined})"
    )


def _history_cte() -> str:
    stock, oversold = _quoted("reserved_stock_id"), _quoted("oversold")
    return (
        f"h AS (INSERT INTO {_quoted(OrderHistory._meta.db_table)} "
        "(order_id, item_id, kind, from_value, to_value, note, changes, actor, created_date) "
        f"SELECT order_id, id, '{OrderHistory.Kind.STOCK}', '', 'reserved', "
        f"CASE WHEN {oversold} THEN 'oversold' ELSE '' END, "
        f"jsonb_build_object('stock', {stock}, 'quantity', quantity), 'create_orders', %s "
        f"FROM i WHERE {stock} IS NOT NULL OR {oversold})"
    )


# SQLite ----------------------------------------------------------------------------------------


def _insert_sqlite(batch: Sequence[NewOrder], created: Sequence[dict[str, Any]]) -> None:
    # The wrapper itself, not the `connection` proxy, which looks it up again on every use.
    wrapper = connections[DEFAULT_DB_ALIAS]

    def prepared(model: type[models.Model], row: models.Model) -> list:
        # Each column's value: as it is when plain, else as its field prepares it for SQLite.
        values = vars(row)
        return [
            value if type(value := values[attname]) in plain else prepare(value, wrapper)
            for attname, plain, prepare in _sqlite_columns(model)
        ]

    orders = [order for order, _ in batch]
    _insert_rows(Order, orders, [prepared(Order, order) for order in orders])
    items = []
    for order, order_items in batch:
        for item in order_items:
            vars(item)["order_id"] = vars(order)[_PK]
            items.append(item)
    _insert_rows(OrderItem, items, [[item.order_id, *prepared(OrderItem, item)] for item in items])
    # The events, in one statement of our own: through the ORM they cost 0.3 ms per create.
    created_at, request_id = _sqlite_preparer(Event, "occurred_at"), current_request_id()
    rows = [
        (
            order.channel_id,
            EventType.ORDER_CREATED.value,
            f"order:{order.pk}",
            created_at(order.created_date, wrapper),
            dumps(created_data(data, order, order_items)).decode(),
            request_id,
        )
        for (order, order_items), data in zip(batch, created, strict=True)
    ]
    per_statement = connection.features.max_query_params // 6
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            cursor.execute(_sqlite_event_statement(len(chunk)), [value for row in chunk for value in row])


@functools.lru_cache(maxsize=64)
def _sqlite_event_statement(rows: int) -> str:
    row = "(%s, %s, %s, %s, %s, %s)"
    return (
        f"INSERT INTO {_quoted(Event._meta.db_table)} (channel_id, type, subject, occurred_at, data, request_id) "
        f"VALUES {', '.join([row] * rows)}"
    )


def _sqlite_preparer(model: type[models.Model], name: str) -> Preparer:
    return _preparer(model._meta.get_field(name))


def _insert_rows(model: type[models.Model], objs: list[models.Model], rows: list[list]) -> None:
    per_statement = max(1, connection.features.max_query_params // len(rows[0]))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            cursor.execute(_sqlite_statement(model, len(chunk)), [value for row in chunk for value in row])
            # Rows get increasing ids in insert order: sorted ids match the input order.
            ids = sorted(row[0] for row in cursor.fetchall())
            for obj, pk in zip(objs[start : start + per_statement], ids, strict=True):
                vars(obj)[_PK] = pk


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
