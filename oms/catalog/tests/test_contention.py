"""Which stock rows a process treats as contended (catalog.services.stock.contended): the rows a
reservation found changed by other transactions, for OMS_STOCK_CONTENDED_SECONDS, or every row or
none by OMS_STOCK_FUNCTION. The creates that follow it are tested through HTTP in
orders/tests/test_stock.py and test_stock_concurrency.py (`reserving_through`)."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection, transaction

from oms.catalog.models import ProductStock
from oms.catalog.services import stock
from oms.catalog.services.stock import changed_since_snapshot, contended, note_reservation


def test_rows_found_changed_are_contended_for_a_while_and_no_others(settings):
    # Given rows (1, 1) and (1, 2) reserved, the first found changed by another transaction
    note_reservation([(1, 1)], rechecked=True)
    note_reservation([(1, 2)], rechecked=False)
    # Then only the first is contended, and an order touching it is
    assert (contended([(1, 1)]), contended([(1, 2)]), contended([(1, 2), (1, 1)])) == (True, False, True)
    # and with no time to stay contended a row found changed is not
    settings.OMS_STOCK_CONTENDED_SECONDS = 0
    note_reservation([(1, 3)], rechecked=True)
    assert contended([(1, 3)]) is False


def test_always_and_never_override_what_was_seen(settings):
    note_reservation([(1, 1)], rechecked=True)
    settings.OMS_STOCK_FUNCTION = "never"
    assert contended([(1, 1)]) is False
    settings.OMS_STOCK_FUNCTION = "always"
    assert contended([(2, 2)]) is True


def test_past_its_bound_the_registry_drops_the_expired_rows(settings):
    # Given more expired rows than the registry keeps
    settings.OMS_STOCK_CONTENDED_SECONDS = 0
    note_reservation([(9, n) for n in range(stock._KEPT + 1)], rechecked=True)
    # When one more row is found changed
    settings.OMS_STOCK_CONTENDED_SECONDS = 60
    note_reservation([(1, 1)], rechecked=True)
    # Then the expired rows are gone and the new one is kept
    assert len(stock._contended_until) == 1 and contended([(1, 1)])


def test_the_function_and_the_create_statement_tell_a_changed_row_alike():
    migration = importlib.import_module("oms.catalog.migrations.0004_reserve_stock_function")
    assert changed_since_snapshot("t.xmin") == migration.CHANGED


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's row versions")
def test_rows_the_current_transaction_wrote_are_not_changed_by_another(demo):
    # Given stock rows written before, by this transaction, and by a savepoint of it
    ProductStock.objects.filter(stock_list_id=1, product_id=2).update(stock=7)
    with transaction.atomic():
        ProductStock.objects.filter(stock_list_id=1, product_id=3).update(stock=8)
    # When a statement locks them and asks
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT t.product_id, {changed_since_snapshot('t.xmin')} FROM catalog_productstock t "
            "WHERE t.stock_list_id = 1 AND t.product_id IN (1, 2, 3) ORDER BY t.product_id FOR UPDATE"
        )
        answers = cursor.fetchall()
    # Then none was changed by another transaction (the concurrency tests show the other case)
    assert answers == [(1, False), (2, False), (3, False)]
