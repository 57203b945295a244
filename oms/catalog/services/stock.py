"""Stock reservations: the one module that changes `ProductStock.sold_quantity_unreported`.

Orders reserve their items' units when they are created (`reserve_stock`) and give them back
when an item is cancelled or refunded, or when the ERP confirms it (`release_stock`). Both run
in the caller's transaction, so a reservation exists exactly when its order does.

Concurrency: on PostgreSQL one statement takes the units: a CTE locks the rows with SELECT ...
ORDER BY id FOR UPDATE, then the UPDATE adds the units and returns the figures. Every writer takes
its locks in that one global order (primary key), so orders touching the same products in any
order wait for each other and never deadlock. A conditional `UPDATE ... WHERE stock -
sold_quantity_unreported >= qty RETURNING` alone was the alternative; it was not chosen because
(1) an UPDATE of several rows locks them in the order its plan reads them, which is no global
order, and (2) the reject policy and the bulk path must decide per order, from the same figures,
which orders fit, and a refused order must leave no units behind. So every unit is taken (the
figures before come back with it), the decision is made here, and the units of refused orders are
given back by a second statement, only when some order is refused. One statement per create
whatever the number of items. On SQLite the writer lock taken at BEGIN serialises writers: the
figures are read, then the units added.

A single create on PostgreSQL does not call `reserve_stock`: its one statement (orders.services
.store) reserves with the CTEs of `reservation_sql`, which take the same locks in the same order
and decide as `reserve_stock` does, so that the locks are held only while that statement runs
(in autocommit: no round trip, no Python work between the lock and the commit). Taking the locks
in one statement and writing the order in another held them across two round trips and the
Python between; under contention (16 connections on the same 5 rows) the one statement took that
from 215 to 419 orders/s and p99 from 123 to 48 ms (bench/stock_ab.py, runs alternating).

Rows other creates are reserving on at the same moment (a product every channel is selling)
are reserved by a function instead (`contended`, `reservation_sql(contended=True)`): in the one
statement, nearly every lock there finds a row changed since the statement's snapshot, and
PostgreSQL's re-check of it starts the whole statement's plan again.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from django.conf import settings
from django.db import connection
from django.utils import timezone

from oms.catalog.models import ProductStock
from oms.catalog.services.events import record_stock_changes, stock_changes_sql
from oms.core.errors import Conflict, ErrorCode, Problem
from oms.events.services import current_request_id

_TABLE = ProductStock._meta.db_table


@dataclass(frozen=True, slots=True)
class StockWant:
    """One item's reservation: `quantity` units of `product_id` in `stock_list_id` (None: there is
    no stock list to reserve on). `group` is the order it belongs to, `path` its wire path."""

    group: int
    path: str
    stock_list_id: int | None
    product_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class Held:
    """What one want got: the stock row reserved on (None: no such row, nothing reserved), and
    whether it was sold past the row's adjusted stock (or without a row)."""

    stock_id: int | None
    oversold: bool


class Found(NamedTuple):
    """What the create statement's reservation (`reservation_sql`) found for one item: the row
    reserved on (None: none), whether it is oversold, whether the order is short of its units
    (refused under `reject`), and the row's adjusted stock before (None: no row)."""

    stock_id: int | None
    oversold: bool
    short: bool
    available: int | None


@dataclass
class Reservation:
    """Per want, in the order given, what it got (None for a want of a refused order), and per
    refused order (group) the problems: one `out_of_stock` per short item."""

    held: list[Held | None]
    short: dict[int, list[Problem]] = field(default_factory=dict)


class OutOfStock(Conflict):
    """A `reject` channel's order whose items lack the units; nothing was written (409)."""


def reserve_stock(*, wants: Sequence[StockWant], reject: bool, now: datetime | None = None) -> Reservation:
    """Reserve every want's units, in the caller's transaction, with the rows locked in pk order.

    With `reject`, an order (a group) any of whose items lacks the units, or has no stock row,
    reserves nothing and is reported in `short`; the others are reserved, in input order, from
    what the earlier ones left. Without it every unit is reserved, even past zero, and the items
    that went past (or have no row) are `oversold`. One statement on PostgreSQL whatever the
    number of items, and one more when an order is refused.
    """
    now = now or timezone.now()
    totals: dict[tuple[int, int], int] = defaultdict(int)
    for want in wants:
        if want.stock_list_id is not None:
            totals[(want.stock_list_id, want.product_id)] += want.quantity
    rows = _take(totals, now)
    remaining = {key: adjusted for key, (_, adjusted) in rows.items()}
    held: list[Held | None] = [None] * len(wants)
    short: dict[int, list[Problem]] = {}
    for group, indexes in _groups(wants).items():
        needed: dict[tuple[int | None, int], int] = defaultdict(int)
        for index in indexes:
            want = wants[index]
            needed[(want.stock_list_id, want.product_id)] += want.quantity
        lacking = {key for key, units in needed.items() if key not in rows or units > remaining[key]}
        if reject and lacking:
            short[group] = [
                _short(wants[index], remaining.get(key, 0))
                for index in indexes
                if (key := (wants[index].stock_list_id, wants[index].product_id)) in lacking
            ]
            continue
        for index in indexes:
            want = wants[index]
            key = (want.stock_list_id, want.product_id)
            if key not in rows:
                held[index] = Held(None, True)
                continue
            held[index] = Held(rows[key][0], want.quantity > remaining[key])
            remaining[key] -= want.quantity
    # Every unit was taken up front: give back those of the orders refused.
    refused: dict[int, int] = defaultdict(int)
    for want, got in zip(wants, held, strict=True):
        key = (want.stock_list_id, want.product_id)
        if got is None and key in rows:
            refused[rows[key][0]] -= want.quantity
    _add(refused, now)
    _record_changes([pk for key, (pk, _) in rows.items() if refused.get(pk, 0) + totals[key]])
    return Reservation(held, short)


def release_stock(*, returned: Iterable[tuple[int, int]], now: datetime | None = None) -> None:
    """Give back reserved units: (stock row id, units) pairs, in the caller's transaction. The
    caller makes sure each reservation is released once (OrderItem.stock_released)."""
    deltas: dict[int, int] = defaultdict(int)
    for stock_id, units in returned:
        deltas[stock_id] -= units
    if not deltas:
        return
    if _postgresql():
        _release_postgresql(deltas, now or timezone.now())
        return
    _add(deltas, now or timezone.now())
    _record_changes(sorted(deltas))


def _release_postgresql(deltas: dict[int, int], now: datetime) -> None:
    # One statement: lock in pk order, move the figures, and record their stock.changed built
    # from the UPDATE's RETURNING (four round trips before: lock, update, read back, insert).
    ids = sorted(deltas)
    sql = (
        "WITH d(id, q) AS (SELECT * FROM unnest(%s::int8[], %s::int4[])), "
        f'k AS MATERIALIZED (SELECT t.id FROM "{_TABLE}" t JOIN d ON t.id = d.id ORDER BY t.id FOR UPDATE OF t), '
        f'u AS (UPDATE "{_TABLE}" t SET sold_quantity_unreported = t.sold_quantity_unreported + d.q, '
        "modified_date = %s FROM d WHERE t.id = d.id AND t.id IN (SELECT id FROM k) RETURNING t.*) "
        + stock_changes_sql("u")
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [ids, [deltas[pk] for pk in ids], now, current_request_id()])


def reservation_sql(items: str, *, product: str, quantity: str, contended: bool = False) -> str:
    """PostgreSQL: the CTEs that reserve one order's units inside the statement that inserts it
    (orders.services.store), deciding as `reserve_stock` does for one order. `items` names a CTE
    of the order's items with columns p (position), s (the stock list to reserve on, NULL: none),
    and `product` and `quantity`. Defines, for the rest of the statement:

    - k: the rows wanted, locked in pk order (the global lock order) before any is changed:
      id, s, pr (product), a (adjusted stock before; FOR UPDATE reads the latest committed row),
      e (the row was changed after the statement's snapshot: contention, `note_reservation`).
      Each is looked up alone by the unique (stock list, product) index, then all are read by
      pk: the statement runs on a generic plan (kept prepared), which counts 100 items (a
      set-returning function's default) whatever the order has, and with the rows joined to the
      items it scanned a stock list of 3,000 rows on every create (0.15 ms of PostgreSQL's CPU
      per reserving create, a quarter of what reserving added). `u` finds them by pk for the
      same reason (joined to k, counted 10 rows, the plan's choice between the pk and a scan
      of the list was a close one);
    - w: per item, its columns of `items` and r, the row reserved on (NULL: none); k's a and e; x, oversold
      (its units, with those of the items before it on the same row, exceed the row's adjusted
      stock, or it has no row); y, short (the order's units on its row exceed the adjusted
      stock, or it has no row) (so `items` must have no columns named r, a, e, x or y);
    - f: ok (not `reject`, or no item short: the order goes ahead), x (the order is oversold)
      and xs (each item's x, in input order);
    - u: the rows after the units were added, only when ok;
    - sc: their stock.changed events (`stock_changes_sql`).

    `contended` (rows other creates are changing at the same time: `contended`): k locks,
    decides and updates in `oms_reserve_stock` (catalog migration 0004), so that none of this
    statement's nodes re-checks a row changed after its snapshot (EvalPlanQual, which starts
    every node of the statement again); its rows have k's columns and ok (the function's
    decision), and u is k when ok.

    Parameters: `reservation_parameters`, then the request id.
    """
    head = (
        f"d AS (SELECT s, {product} pr, sum({quantity}) q FROM {items} WHERE s IS NOT NULL GROUP BY 1, 2), "
    )
    flags = "bool_or(x) x, array_agg(x ORDER BY p) xs FROM w), "
    if contended:
        return (
            head + "k AS MATERIALIZED (SELECT id, stock_list_id s, product_id pr, a, ok, stock, "
            "sold_quantity_unreported, unit_type, created_date, modified_date, rechecked e FROM oms_reserve_stock("
            "ARRAY(SELECT s FROM d ORDER BY s, pr), ARRAY(SELECT pr FROM d ORDER BY s, pr), "
            "ARRAY(SELECT q::int4 FROM d ORDER BY s, pr), %s::bool, "
            f"EXISTS (SELECT FROM {items} WHERE s IS NULL), %s)), "
            + _flagged_items(items, product=product, quantity=quantity)
            + "f AS (SELECT coalesce((SELECT bool_and(ok) FROM k), NOT %s::bool OR NOT bool_or(y)) ok, "
            + flags
            + "u AS (SELECT id, s stock_list_id, pr product_id, stock, sold_quantity_unreported, unit_type, "
            "created_date, modified_date FROM k WHERE ok), "
            f"sc AS ({stock_changes_sql('u')})"
        )
    return (
        head
        + "k AS MATERIALIZED (SELECT t.id, t.stock_list_id s, t.product_id pr, t.stock - t.sold_quantity_unreported a, "
        + f"{changed_since_snapshot('t.xmin')} e "
        f'FROM "{_TABLE}" t WHERE t.id = ANY(ARRAY(SELECT (SELECT x.id FROM "{_TABLE}" x '
        "WHERE x.stock_list_id = d.s AND x.product_id = d.pr) FROM d)) ORDER BY t.id FOR UPDATE OF t), "
        + _flagged_items(items, product=product, quantity=quantity)
        + "f AS (SELECT NOT %s::bool OR NOT bool_or(y) ok, "
        + flags
        + f'u AS (UPDATE "{_TABLE}" t SET sold_quantity_unreported = t.sold_quantity_unreported + d.q, '
        "modified_date = %s FROM d WHERE t.id = ANY(ARRAY(SELECT id FROM k)) "
        "AND t.stock_list_id = d.s AND t.product_id = d.pr AND (SELECT ok FROM f) RETURNING t.*), "
        f"sc AS ({stock_changes_sql('u')})"
    )


def changed_since_snapshot(xmin: str) -> str:
    """SQL: whether the row version whose xmin is `xmin` was written by another transaction that
    committed after the statement's snapshot (a lock on it re-checks it: EvalPlanQual). The
    32-bit xid is placed in the epoch of the snapshot's xmax. At or past xmax it is a later
    transaction, or the current one or a savepoint of it, told apart by the commit log (another's
    has committed by the time the lock got the row; the current one is in progress); below xmax
    the snapshot says whether it saw it. oms_reserve_stock (catalog migration 0004) writes the
    same expression. Written out, not an SQL function: pg_xact_status is volatile, so PostgreSQL
    would not inline one, and the call planned its body anew in every create (+0.17 ms)."""
    xmax = "txid_snapshot_xmax(txid_current_snapshot())"
    since = f"(({xmin}::text::int8 - {xmax}) & 4294967295)"
    return (
        f"CASE WHEN {since} < 2147483648 THEN pg_xact_status(({xmax} + {since})::text::xid8) = 'committed' "
        f"ELSE NOT txid_visible_in_snapshot({xmax} - (({xmax} - {xmin}::text::int8) & 4294967295), "
        "txid_current_snapshot()) END"
    )


def reservation_parameters(*, reject: bool, now: datetime, contended: bool) -> list:
    """The parameters of `reservation_sql`'s CTEs, in their text order (the request id follows)."""
    return [reject, now, reject] if contended else [reject, now]


def _flagged_items(items: str, *, product: str, quantity: str) -> str:
    # w: the items with the row each reserves on and the figures that flag it (see above).
    return (
        f"w AS MATERIALIZED (SELECT v.*, k.id r, k.a, k.e, k.id IS NULL OR sum(v.{quantity}) OVER "
        f"(PARTITION BY v.s, v.{product} ORDER BY v.p) > k.a x, k.id IS NULL OR sum(v.{quantity}) OVER "
        f"(PARTITION BY v.s, v.{product}) > k.a y FROM {items} v LEFT JOIN k ON k.s = v.s AND k.pr = v.{product}), "
    )


# Rows this process saw contended, (stock list, product) -> until when (time.monotonic()). Per
# process: each learns from its own creates, and a wrong guess costs only time (both ways of
# reserving take the same locks in the same order and decide alike).
_contended_until: dict[tuple[int, int], float] = {}
_KEPT = 10_000  # rows remembered before the expired ones are dropped
# Writers (a process's threads) take it: dropping the expired rows iterates the dict, which a
# concurrent insert would change under it. Readers need none (one dict lookup each).
_marking = threading.Lock()


def contended(keys: Iterable[tuple[int, int]]) -> bool:
    """Whether the create statement reserves on these (stock list, product) rows through
    `oms_reserve_stock` (OMS_STOCK_FUNCTION: `contended`, the default: when a reservation on any
    of them found it changed by another transaction lately, in this process; or `always`, or
    `never`). Under contention that saves EvalPlanQual's restarts of the statement
    (bench/stock_profile.py --contention, same 5 products: 386 -> 506-522 orders/s, the cluster's
    CPU per create 2.66 -> 2.02-2.17 ms); without it the function's call costs 0.05-0.08 ms of
    PostgreSQL's CPU more than the CTEs."""
    mode = settings.OMS_STOCK_FUNCTION
    if mode != "contended":
        return mode == "always"
    now = time.monotonic()
    return any(_contended_until.get(key, 0.0) > now for key in keys)


def note_reservation(keys: Sequence[tuple[int, int]], *, rechecked: bool) -> None:
    """A create statement reserved on `keys`; `rechecked`: a row it locked had been changed by a
    transaction that committed after the statement's (or the function's lock's) snapshot, so
    other creates are reserving on these rows at the same moment. They are then contended for
    OMS_STOCK_CONTENDED_SECONDS, each such reservation extending it. A signal of the database,
    not a time: a create that waits for the CPU on a busy machine is no sign of contention."""
    if not rechecked or not keys:
        return
    with _marking:
        now = time.monotonic()
        if len(_contended_until) > _KEPT:
            for key in [key for key, until in _contended_until.items() if until <= now]:
                del _contended_until[key]
        until = now + settings.OMS_STOCK_CONTENDED_SECONDS
        for key in keys:
            _contended_until[key] = until


def forget_contention() -> None:
    """No row contended (tests start from here)."""
    with _marking:
        _contended_until.clear()


def shortfall(want: StockWant, found: Found) -> Problem:
    """The `out_of_stock` problem of an item of a refused order, as `reserve_stock` reports it."""
    return _short(want, found.available or 0)


def _record_changes(ids: list[int]) -> None:
    """stock.changed for each row whose reservations moved, with its figures after the move, in
    the caller's transaction (two statements: the rows, then their events)."""
    if ids:
        record_stock_changes(
            list(ProductStock.objects.filter(pk__in=ids).select_related("product", "stock_list"))
        )


def _groups(wants: Sequence[StockWant]) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = defaultdict(list)
    for index, want in enumerate(wants):
        groups[want.group].append(index)
    return groups


def _short(want: StockWant, available: int) -> Problem:
    if want.stock_list_id is None:
        message = f"Product {want.product_id}: no stock list to reserve on; 0 units available."
    else:
        message = (
            f"Product {want.product_id} has {max(available, 0)} units available in stock list "
            f"{want.stock_list_id}; the order wants {want.quantity}."
        )
    return Problem(want.path, ErrorCode.OUT_OF_STOCK, message)


def _postgresql() -> bool:
    return connection.vendor == "postgresql"


def _take(totals: dict[tuple[int, int], int], now: datetime) -> dict[tuple[int, int], tuple[int, int]]:
    """Reserve `totals` units per (stock list, product) on the rows that exist, locked in pk
    order; (stock list, product) -> (row id, adjusted stock before)."""
    if not totals:
        return {}
    keys = sorted(totals)
    if _postgresql():
        # One statement, its text the same whatever the number of keys (PostgreSQL keeps it
        # prepared): the CTE locks the rows in pk order before the UPDATE touches any of them.
        sql = (
            "WITH d(l, p, q) AS (SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::integer[])), "
            f'locked AS MATERIALIZED (SELECT s."id" FROM "{_TABLE}" s JOIN d ON s."stock_list_id" = d.l '
            'AND s."product_id" = d.p ORDER BY s."id" FOR UPDATE OF s) '
            f'UPDATE "{_TABLE}" t SET "sold_quantity_unreported" = t."sold_quantity_unreported" + d.q, '
            '"modified_date" = %s FROM d WHERE t."stock_list_id" = d.l AND t."product_id" = d.p '
            'AND t."id" IN (SELECT "id" FROM locked) '
            'RETURNING t."id", t."stock_list_id", t."product_id", t."stock" - t."sold_quantity_unreported"'
        )
        params = [[key[0] for key in keys], [key[1] for key in keys], [totals[key] for key in keys], now]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            taken = cursor.fetchall()
        return {(lst, product): (pk, after + totals[(lst, product)]) for pk, lst, product, after in taken}
    # SQLite: the writer lock taken at BEGIN serialises writers; read the figures, then add.
    sql = (
        f'SELECT "id", "stock_list_id", "product_id", "stock" - "sold_quantity_unreported" FROM "{_TABLE}" '
        f'WHERE ("stock_list_id", "product_id") IN (VALUES {", ".join(["(%s, %s)"] * len(keys))})'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for key in keys for value in key])
        rows = {(lst, product): (pk, adjusted) for pk, lst, product, adjusted in cursor.fetchall()}
    _add({pk: totals[key] for key, (pk, _) in rows.items()}, now)
    return rows


def _add(deltas: dict[int, int], now: datetime) -> None:
    """The one statement that changes reservations: `sold_quantity_unreported` moves by each
    delta and `modified_date` with it, so a channel polling stock by modified_date sees it."""
    if not deltas:
        return
    ids = sorted(deltas)
    if _postgresql():
        sql = (
            f'UPDATE "{_TABLE}" SET "sold_quantity_unreported" = "sold_quantity_unreported" + d.q, '
            f'"modified_date" = %s FROM unnest(%s::bigint[], %s::integer[]) AS d(id, q) '
            f'WHERE "{_TABLE}"."id" = d.id'
        )
        params = [now, ids, [deltas[pk] for pk in ids]]
    else:
        cases = " ".join(["WHEN %s THEN %s"] * len(ids))
        sql = (
            f'UPDATE "{_TABLE}" SET "sold_quantity_unreported" = "sold_quantity_unreported" + '
            f'CASE "id" {cases} END, "modified_date" = %s WHERE "id" IN ({", ".join(["%s"] * len(ids))})'
        )
        params = [
            *(value for pk in ids for value in (pk, deltas[pk])),
            connection.ops.adapt_datetimefield_value(now),
            *ids,
        ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
