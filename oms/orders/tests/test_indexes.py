"""The schema: migrations match the models, and the partial indexes of optional references serve
the lookups by value that read them (the admin, the check before a referenced row is deleted)."""

import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = pytest.mark.django_db


def test_the_migrations_match_the_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)  # SystemExit(1) otherwise


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # tiny tables: otherwise a scan wins
            cursor.execute("EXPLAIN " + sql)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return "\n".join(str(row) for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("table", "column", "index"),
    [
        ("orders_order", "payment_option_id", "order_payment_option_idx"),
        ("orders_order", "external_status_id", "order_external_status_idx"),
        ("orders_orderitem", "price_list_id", "item_price_list_idx"),
        ("orders_orderitem", "parent_id", "item_parent_idx"),
        ("orders_orderhistory", "item_id", "orderhistory_item_idx"),
        ("orders_orderhistory", "reason_id", "orderhistory_reason_idx"),
        ("orders_orderhistory", "api_key_id", "orderhistory_api_key_idx"),
        ("orders_orderhistory", "user_id", "orderhistory_user_idx"),
        ("orders_orderhistory", "order_id", "orderhistory_order_idx"),
    ],
)
def test_a_lookup_by_an_optional_reference_uses_its_partial_index(table, column, index):
    assert index in _plan(f"SELECT id FROM {table} WHERE {column} = 1")


def test_orders_with_mismatched_totals_are_found_by_their_index():
    assert "order_totals_mismatch_idx" in _plan("SELECT id FROM orders_order WHERE totals_mismatch")


def test_an_order_history_row_enters_only_the_indexes_of_what_it_has():
    # Given the history's indexes (every history row written enters each index it matches)
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, "orders_orderhistory")
    indexed = sorted(
        tuple(info["columns"]) for info in indexes.values() if info["index"] and not info["primary_key"]
    )
    # Then each column is indexed once (the order by orderhistory_order_idx alone), and the
    # optional references are the partial indexes tested above
    assert indexed == [
        ("api_key_id",),
        ("item_id",),
        ("order_id", "id"),
        ("reason_id",),
        ("user_id",),
    ]
