"""PostgreSQL: `oms_reserve_stock`, the function the one-statement reserving create
(orders.services.store) calls to lock, decide on and update its stock rows when they are
contended (`catalog.services.stock.contended`; uncontended, the statement's own CTEs do it, 0.05
ms of CPU cheaper: the call, its plan_cache_mode and its two commands).

Why a function: under contention a row the create statement locks or updates has nearly always
been changed by a transaction that committed after the statement took its snapshot, and
PostgreSQL re-checks such a row by EvalPlanQual, whose start initializes every subplan of the
statement (execMain.c, EvalPlanQualStart): every CTE of the create, twice per create (the lock
and the update), 0.36 of the 0.68 ms of PostgreSQL's CPU that contention added to a create of 5
items. The commands of a function take their own snapshots: the lock's re-check starts only its
own small plan, and the update, a later command, sees the rows as they were locked and re-checks
nothing. The function reads and writes only the stock table, by static SQL.

The function tells (as the create statement does of its own lock) whether a row it locked was
changed by another transaction after the lock's snapshot (`CHANGED` below): contention goes on,
and the rows stay marked for the next creates (`catalog.services.stock.note_reservation`).

Arguments: per (stock list, product) wanted, the stock list, product and units (one array each,
same order); reject (the channel's policy); hopeless (an item has no stock list to reserve on);
the time (`modified_date`). It locks the rows that exist in pk order (the global lock order, as
every writer of stock rows takes them), decides as `stock.reserve_stock` does for one order
(under reject the order goes ahead only if it is not hopeless, every row exists and every row's
adjusted stock covers its units; otherwise always), and when it goes ahead adds the units. Rows:
one per row found, its adjusted stock before (a), the decision (ok), the row after (when ok;
as it was otherwise), and whether any row was changed after the lock's snapshot (rechecked).
Its plans are kept generic: the arrays' lengths would otherwise make every plan for their
values look cheaper than the generic one, planned anew on every call."""

from django.db import migrations

# Whether a row version (its xmin) was written by another transaction that the statement's
# snapshot does not see: one that committed after the snapshot was taken. A lock on such a row
# re-checks it (EvalPlanQual). xmin is a 32-bit xid, placed in the epoch of the snapshot's xmax
# (int8): at or past xmax (one past the last completed transaction when the snapshot was taken)
# it is a later transaction, or the current one or one of its savepoints, told apart by the
# commit log (`committed`: another's, which the lock waited for; the current one's is still in
# progress); below xmax, the snapshot says whether it saw it (its xip, the transactions then in
# progress, is never the current one). Written out where it is used, not as an SQL function:
# pg_xact_status is volatile, so PostgreSQL would not inline the function, and a call planned
# its body anew in every create (+0.17 ms). The create statement writes the same expression
# (catalog.services.stock.changed_since_snapshot).
CHANGED = (
    "CASE WHEN ((t.xmin::text::int8 - txid_snapshot_xmax(txid_current_snapshot())) & 4294967295) < 2147483648 "
    "THEN pg_xact_status((txid_snapshot_xmax(txid_current_snapshot()) + ((t.xmin::text::int8 "
    "- txid_snapshot_xmax(txid_current_snapshot())) & 4294967295))::text::xid8) = 'committed' "
    "ELSE NOT txid_visible_in_snapshot(txid_snapshot_xmax(txid_current_snapshot()) "
    "- ((txid_snapshot_xmax(txid_current_snapshot()) - t.xmin::text::int8) & 4294967295), "
    "txid_current_snapshot()) END"
)

CREATE = """
CREATE OR REPLACE FUNCTION oms_reserve_stock(
    lists bigint[], products bigint[], quantities integer[], reject boolean, hopeless boolean, at timestamptz
) RETURNS TABLE (
    id bigint, stock_list_id bigint, product_id bigint, a integer, ok boolean, stock integer,
    sold_quantity_unreported integer, unit_type varchar, created_date timestamptz, modified_date timestamptz,
    rechecked boolean
) LANGUAGE plpgsql VOLATILE SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    ids bigint[];
    n integer;
    fits boolean;
    changed boolean;
BEGIN
    -- The rows wanted, each looked up by the unique (stock list, product) index, locked in pk
    -- order; whether each covers its units, on the row as locked (a re-check's latest version);
    -- whether any was changed after the lock's snapshot (contention goes on).
    SELECT array_agg(k.id), count(*), coalesce(bool_and(k.fits), true), coalesce(bool_or(k.changed), false)
    INTO ids, n, fits, changed FROM (
        SELECT t.id, d.q <= t.stock - t.sold_quantity_unreported AS fits,
            __CHANGED__ AS changed
        FROM catalog_productstock t
        JOIN unnest(lists, products, quantities) d(s, pr, q) ON t.stock_list_id = d.s AND t.product_id = d.pr
        WHERE t.id = ANY(ARRAY(
            SELECT (SELECT x.id FROM catalog_productstock x WHERE x.stock_list_id = w.s AND x.product_id = w.pr)
            FROM unnest(lists, products) w(s, pr)))
        ORDER BY t.id FOR UPDATE OF t) k;
    IF NOT reject OR (NOT hopeless AND n = cardinality(lists) AND fits) THEN
        -- A later command: it sees the rows as they were locked, and re-checks none.
        RETURN QUERY
        UPDATE catalog_productstock t SET sold_quantity_unreported = t.sold_quantity_unreported + d.q, modified_date = at
        FROM unnest(lists, products, quantities) d(s, pr, q)
        WHERE t.id = ANY(ids) AND t.stock_list_id = d.s AND t.product_id = d.pr
        RETURNING t.id, t.stock_list_id, t.product_id, t.stock - t.sold_quantity_unreported + d.q, true,
            t.stock, t.sold_quantity_unreported, t.unit_type::varchar, t.created_date, t.modified_date, changed;
    ELSE
        RETURN QUERY
        SELECT t.id, t.stock_list_id, t.product_id, t.stock - t.sold_quantity_unreported, false,
            t.stock, t.sold_quantity_unreported, t.unit_type::varchar, t.created_date, t.modified_date, changed
        FROM catalog_productstock t WHERE t.id = ANY(ids);
    END IF;
END
$$;
"""
DROP = (
    "DROP FUNCTION IF EXISTS oms_reserve_stock(bigint[], bigint[], integer[], boolean, boolean, timestamptz)"
)


def _on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_productstock_fewer_indexes")]

    operations = [
        migrations.RunPython(_on_postgresql(CREATE.replace("__CHANGED__", CHANGED)), _on_postgresql(DROP))
    ]
